/**
 * SemanticMap on the real WordNet lexicon (public/generated/wordnet, made by
 * `npm run prepare-assets`) and real ImageNet class names.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FetchBytes } from '../../../core/data/builtinDataset';
import { LEXICON_PATH, loadLexicon, type NounLexicon } from './lexicon';
import { normaliseName } from './normalise';
import { resolveName, semanticSimilarity } from './similarity';
import '@tensorflow/tfjs-backend-cpu';
import { createLabelMapping, IndexMapping } from '../labelMapping';
import { classNameSimilarity, semanticMapping, semanticMatchText, setSemanticAssignment, wordNetSimilarity } from './index';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const PUBLIC = join(ROOT, 'public');
const LEXICON_FILE = join(PUBLIC, LEXICON_PATH);
const IMAGENET_FILE = join(PUBLIC, 'generated/classes/imagenet-1000.json');
const DARKNET_FILE = join(ROOT, '../shared/models/darknet-tiny/classes.json');
const haveAssets = existsSync(LEXICON_FILE) && existsSync(IMAGENET_FILE);
if (!haveAssets) {
  console.warn(
    `SKIPPED the WordNet tests: ${LEXICON_PATH} or the ImageNet class names are missing (run \`npm run prepare-assets\`).`,
  );
}

const readPublic: FetchBytes = async (p) => {
  const b = await readFile(join(PUBLIC, p));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

const CIFAR10 = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

describe.skipIf(!haveAssets)('SemanticMap with WordNet 3.1', () => {
  let lex: NounLexicon;
  let imagenet: string[];
  const simOf = (source: string, target: string) => semanticSimilarity([source], [target], lex).sim[0] as number;
  /** Whether a class name means a kind of the first sense of `key` (e.g. a dog). */
  const isA = (name: string, key: string) => {
    const root = lex.senses(key)?.[0] as number;
    return [...resolveName(lex, name).synsets].some((s) => lex.ancestors(s).ids.includes(root));
  };

  beforeAll(async () => {
    const t0 = performance.now();
    lex = await loadLexicon(readPublic);
    const ms = performance.now() - t0;
    console.log(
      `WordNet lexicon: ${(statSync(LEXICON_FILE).size / 1024 / 1024).toFixed(2)} MiB, ${lex.numSynsets} synsets, ${lex.keys.length} keys, loaded in ${ms.toFixed(0)} ms`,
    );
    imagenet = JSON.parse(readFileSync(IMAGENET_FILE, 'utf8')) as string[];
  });

  it('holds keys normalised exactly as class names are (prepare-assets and normalise.ts agree)', () => {
    expect(lex.numSynsets).toBeGreaterThan(80_000);
    expect(lex.keys.length).toBeGreaterThan(100_000);
    const bad = lex.keys.filter((k) => normaliseName(k) !== k);
    expect(bad.slice(0, 5)).toEqual([]);
    expect(lex.senses('great white shark')).not.toBeNull();
    // a single root, "entity"
    const entity = lex.senses('entity')?.[0] as number;
    expect(lex.depth[entity]).toBe(0);
    expect(lex.parents(entity).length).toBe(0);
  });

  it('puts "tabby cat" closer to Egyptian and tiger cats than to an airliner', () => {
    const tabby = 'tabby cat';
    expect(simOf('Egyptian cat', tabby)).toBeGreaterThan(simOf('airliner', tabby) + 0.2);
    expect(simOf('tiger cat', tabby)).toBeGreaterThan(simOf('airliner', tabby) + 0.2);
    expect(simOf('tiger cat', tabby)).toBeGreaterThan(0.85);
  });

  it('reads plurals, underscores and ImageNet synonym lists', () => {
    expect(resolveName(lex, 'cats')).toMatchObject({ match: 'singular', keys: ['cat'] });
    expect(resolveName(lex, 'golden_retriever')).toMatchObject({ match: 'exact', keys: ['golden retriever'] });
    expect(resolveName(lex, 'Great White Sharks')).toMatchObject({ match: 'singular', keys: ['great white shark'] });
    expect(resolveName(lex, 'wolves').keys).toEqual(['wolf']);
    // ImageNet's "plane, carpenter's plane, …" is the tool: the synonyms agree on one synset.
    const plane = resolveName(lex, "plane, carpenter's plane, woodworking plane");
    expect(plane.synsets.length).toBe(1);
    expect(isA("plane, carpenter's plane, woodworking plane", 'tool')).toBe(true);
    expect(simOf("plane, carpenter's plane, woodworking plane", 'airplane')).toBeLessThan(
      simOf('airliner', 'airplane'),
    );
    // camel case and head nouns
    expect(resolveName(lex, 'AnnualCrop')).toMatchObject({ match: 'head', keys: ['crop'] });
    expect(simOf('golden retriever', 'golden_retriever')).toBeGreaterThan(0.99);
    expect(simOf('tabby, tabby cat', 'cats')).toBeGreaterThan(simOf('tabby, tabby cat', 'dogs'));
  });

  it('falls back to spelling for names WordNet lacks, and says so', () => {
    const r = semanticSimilarity(imagenet, ['Qwertyuiop Zxcvbnm', 'cat'], lex);
    expect(r.unknownTargets).toEqual(['Qwertyuiop Zxcvbnm']);
    expect(r.unknownSources).toEqual([]);
    expect(r.sim.every((v) => v >= 0 && v <= 1)).toBe(true);
    const own = semanticSimilarity(['Qwertyuiop Zxcvbnm', 'tabby'], ['qwertyuiop_zxcvbnm'], lex);
    expect(own.unknownSources).toEqual(['Qwertyuiop Zxcvbnm']);
    expect(own.sim[0]).toBe(1);
  });

  it('maps CIFAR-10 onto ImageNet sensibly (k = 1)', () => {
    const t0 = performance.now();
    const { assignment, report } = semanticMapping(imagenet, CIFAR10, 1, wordNetSimilarity(imagenet, CIFAR10, lex));
    const ms = performance.now() - t0;
    const lines = CIFAR10.map(
      (c, t) => `  ${c.padEnd(11)} → ${report.assignedNames[t]?.[0]} (${report.similarities[t]?.[0]})`,
    );
    console.log(
      `CIFAR-10 → ImageNet (torchvision names), SemanticMap k = 1, ${ms.toFixed(0)} ms:\n${lines.join('\n')}`,
    );
    const name = (target: string) => imagenet[assignment[CIFAR10.indexOf(target)]?.[0] as number] as string;
    expect(isA(name('cat'), 'cat')).toBe(true);
    expect(isA(name('dog'), 'dog')).toBe(true);
    expect(isA(name('ship'), 'ship') || isA(name('ship'), 'boat')).toBe(true);
    expect(isA(name('truck'), 'truck')).toBe(true);
    expect(isA(name('automobile'), 'car')).toBe(true);
    expect(isA(name('bird'), 'bird')).toBe(true);
    expect(isA(name('frog'), 'frog')).toBe(true);
    expect(isA(name('airplane'), 'airplane')).toBe(true);
    expect(name('horse')).toBe('sorrel'); // the only horse among ImageNet's classes

    const k5 = semanticMapping(imagenet, CIFAR10, 5, wordNetSimilarity(imagenet, CIFAR10, lex));
    console.log(
      `CIFAR-10 → ImageNet, k = 5:\n${CIFAR10.map((c, t) => `  ${c.padEnd(11)} → ${k5.report.assignedNames[t]?.map((n) => n.split(',')[0]).join(' | ')}`).join('\n')}`,
    );
    expect(k5.report.assignedNames.find((_, t) => CIFAR10[t] === 'dog')?.every((n) => isA(n, 'dog'))).toBe(true);
    expect(k5.report.assignedNames.find((_, t) => CIFAR10[t] === 'cat')?.every((n) => isA(n, 'feline'))).toBe(true);
  });

  it('is fast: 1000 ImageNet names × 10 and × 100 targets', () => {
    const targets100 = imagenet.filter((_, i) => i % 10 === 7).map((n) => n.split(',')[0] as string);
    const time = (targets: string[]) => {
      const t0 = performance.now();
      semanticSimilarity(imagenet, targets, lex);
      return performance.now() - t0;
    };
    time(CIFAR10); // warm the ancestor cache once
    const ms10 = Math.min(time(CIFAR10), time(CIFAR10));
    const ms100 = Math.min(time(targets100), time(targets100));
    console.log(`semanticSimilarity: 1000 × 10 in ${ms10.toFixed(0)} ms, 1000 × 100 in ${ms100.toFixed(0)} ms`);
    expect(ms100).toBeLessThan(2000); // well under a second on an idle machine; slack for busy CI
  });
});

describe.skipIf(!haveAssets || !existsSync(DARKNET_FILE))("SemanticMap with darknet's class names", () => {
  it('matches "dog" to dog breeds', async () => {
    const lex = await loadLexicon(readPublic);
    const darknet = JSON.parse(readFileSync(DARKNET_FILE, 'utf8')) as string[];
    const dog = lex.senses('dog')?.[0] as number;
    const r = semanticSimilarity(darknet, ['dog'], lex);
    const top = Array.from(r.sim.keys())
      .sort((a, b) => (r.sim[b] as number) - (r.sim[a] as number))
      .slice(0, 5);
    console.log(
      `darknet's names closest to "dog": ${top.map((s) => `${darknet[s]} (${(r.sim[s] as number).toFixed(3)})`).join(', ')}`,
    );
    for (const s of top) {
      const synsets = resolveName(lex, darknet[s] as string).synsets;
      expect([...synsets].some((x) => lex.ancestors(x).ids.includes(dog))).toBe(true);
    }
  });
});

describe.skipIf(!haveAssets)('classNameSimilarity without a text encoder (what a run calls before training)', () => {
  const imagenet = () => JSON.parse(readFileSync(IMAGENET_FILE, 'utf8')) as string[];
  const base = { numSource: 1000, fetchBytes: readPublic, modelName: 'Test net' };

  it('assigns a semantic mapping from class names', async () => {
    const sourceNames = imagenet();
    const targetNames = ['cat', 'dog'];
    // No CLIP at hand (the app without CLIP in its cache): WordNet.
    const similarity = await classNameSimilarity({ ...base, sourceNames, targetNames, textEncoder: async () => null });
    const { assignment, report } = semanticMapping(sourceNames, targetNames, 1, similarity);
    expect(report.encoder).toBe('wordnet');
    expect(report.checkpoint).toBeNull();
    expect(semanticMatchText(report)).toBe('matched through WordNet');
    const mapping = createLabelMapping(
      { labelMapping: 'semantic', k: 1, interval: 1, identityInit: false },
      1000,
      2,
      1,
      't',
    );
    expect(mapping).toBeInstanceOf(IndexMapping);
    setSemanticAssignment(mapping, assignment);
    expect((mapping as IndexMapping).assignment).toEqual(assignment);
    expect(report.assignedNames[0]?.[0]).toMatch(/cat/i);
    mapping.dispose();
    const fully = createLabelMapping({ labelMapping: 'fully', k: 1, interval: 1, identityInit: true }, 1000, 2, 1, 'f');
    expect(() => setSemanticAssignment(fully, assignment)).toThrow(/fully/);
    fully.dispose();
  });

  it('refuses text-image models, numbered class names and a wrong count', async () => {
    const names = imagenet();
    await expect(
      classNameSimilarity({ ...base, sourceNames: names, targetNames: ['cat'], textImage: true }),
    ).rejects.toThrow(/text-image/);
    const numbered = names.map((_, i) => `class ${i}`);
    await expect(classNameSimilarity({ ...base, sourceNames: numbered, targetNames: ['cat'] })).rejects.toThrow(
      /knows none of Test net's class names/,
    );
    await expect(
      classNameSimilarity({ ...base, sourceNames: names.slice(1), targetNames: ['cat'] }),
    ).rejects.toThrow(/1000 source outputs but 999 class names/);
  });
});
