import { describe, expect, it } from 'vitest';
import { semanticAssignment } from '../assignments';
import { NounLexicon, parseLexicon } from './lexicon';
import { normaliseName, singularForms, splitAlternatives } from './normalise';
import { resolveName, semanticSimilarity, senseWeight, stringSimilarity, wuPalmer } from './similarity';
import { semanticMapping, wordNetSimilarity } from './index';

/*
 * A hand-made hypernym graph (depth = longest path to the root, D = depth + 1):
 *
 *   0 entity (D1) ─┬─ 1 animal (D2) ─┬─ 2 mammal (D3) ─┬─ 3 cat (D4) ─┬─ 5 tabby (D5)
 *                  │                 │                 │              └─ 6 siamese (D5)
 *                  │                 │                 └─ 4 dog (D4) ──── 12 robot dog (D5)
 *                  │                 └─ 7 bird (D3)                         │ (also under toy)
 *                  └─ 8 artifact (D2) ─┬─ 9 vehicle (D3) ── 10 car (D4)     │
 *                                      └─ 11 toy (D3) ──────────────────────┘
 */
const PARENTS = [[], [0], [1], [2], [2], [3], [3], [1], [0], [8], [9], [8], [4, 11]];
const [ENTITY, MAMMAL, CAT, DOG, TABBY, SIAMESE, BIRD, ARTIFACT, CAR, TOY, ROBOT_DOG] = [
  0, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12,
] as const;
const LEMMAS: Record<string, number[]> = {
  entity: [ENTITY],
  mammal: [MAMMAL],
  cat: [CAT],
  dog: [DOG, CAR], // second sense "car" (slang), not in the corpus
  tabby: [TOY, TABBY], // pretend "tabby" first means a toy
  'tabby cat': [TABBY],
  siamese: [SIAMESE],
  bird: [BIRD],
  car: [CAR],
  auto: [CAR],
  toy: [TOY],
  'robot dog': [ROBOT_DOG],
  artifact: [ARTIFACT],
};
const tiny = () => NounLexicon.fromGraph(PARENTS, LEMMAS, { dog: 1 });

describe('Wu–Palmer on a hand-made graph', () => {
  const lex = tiny();

  it('computes depths as the longest path to the root', () => {
    expect([...lex.depth]).toEqual([0, 1, 2, 3, 3, 4, 4, 2, 1, 2, 3, 2, 4]);
  });

  it('matches hand-computed values', () => {
    // lcs cat (D4), 1 + 1 steps: 8 / (2 + 8)
    expect(wuPalmer(lex, TABBY, SIAMESE)).toBeCloseTo(0.8, 10);
    // lcs cat (D4), 1 + 0 steps: 8 / 9
    expect(wuPalmer(lex, TABBY, CAT)).toBeCloseTo(8 / 9, 10);
    // lcs mammal (D3), 2 + 1 steps: 6 / 9
    expect(wuPalmer(lex, TABBY, DOG)).toBeCloseTo(2 / 3, 10);
    // lcs animal (D2), 3 + 1 steps: 4 / 8
    expect(wuPalmer(lex, TABBY, BIRD)).toBeCloseTo(0.5, 10);
    // lcs entity (D1), 4 + 3 steps: 2 / 9
    expect(wuPalmer(lex, TABBY, CAR)).toBeCloseTo(2 / 9, 10);
    expect(wuPalmer(lex, CAT, CAT)).toBe(1);
  });

  it('takes the best common ancestor in a DAG (robot dog is a dog and a toy)', () => {
    // via artifact (D2), 2 + 2 steps: 4 / 8 (entity would give 2 / 8)
    expect(wuPalmer(lex, ROBOT_DOG, CAR)).toBeCloseTo(0.5, 10);
    // via mammal (D3), 2 + 2 steps: 6 / 10
    expect(wuPalmer(lex, ROBOT_DOG, TABBY)).toBeCloseTo(0.6, 10);
    expect(wuPalmer(lex, TABBY, ROBOT_DOG)).toBeCloseTo(0.6, 10);
  });
});

describe('class names', () => {
  it('normalises like the lexicon keys', () => {
    expect(normaliseName('Great_White-Shark')).toBe('great white shark');
    expect(normaliseName("  jack-o'-lantern ")).toBe('jack o lantern');
    expect(normaliseName('St. Bernard')).toBe('st bernard');
    expect(normaliseName('Café')).toBe('cafe');
  });

  it('splits synonyms and keeps parentheses apart', () => {
    expect(splitAlternatives('tench, Tinca tinca')).toEqual({ main: ['tench', 'Tinca tinca'], extra: [] });
    expect(splitAlternatives('T-shirt/top')).toEqual({ main: ['T-shirt', 'top'], extra: [] });
    expect(splitAlternatives('crane (bird)')).toEqual({ main: ['crane'], extra: ['bird'] });
  });

  it('proposes singulars of the last word', () => {
    expect(singularForms('cats')).toContain('cat');
    expect(singularForms('great white sharks')).toContain('great white shark');
    expect(singularForms('boxes')).toContain('box');
    expect(singularForms('berries')).toContain('berry');
    expect(singularForms('wolves')).toContain('wolf');
    expect(singularForms('mice')).toEqual(['mouse']);
    expect(singularForms('glass')).toEqual([]);
  });

  it('resolves plurals, underscores, head nouns and synonyms', () => {
    const lex = tiny();
    expect(resolveName(lex, 'cats')).toMatchObject({ match: 'singular', keys: ['cat'] });
    expect(resolveName(lex, 'Robot_Dogs')).toMatchObject({ match: 'singular', keys: ['robot dog'] });
    expect(resolveName(lex, 'Egyptian Mau cat')).toMatchObject({ match: 'head', keys: ['cat'] });
    expect(resolveName(lex, 'zzz qqq')).toMatchObject({ match: 'unknown', keys: [] });
    // "tabby" alone is ambiguous; "tabby, tabby cat" means what both alternatives share.
    expect([...resolveName(lex, 'tabby').synsets].sort()).toEqual([TABBY, TOY].sort());
    expect([...resolveName(lex, 'tabby, tabby cat').synsets]).toEqual([TABBY]);
    // Parentheses only help when the main name is unknown.
    expect(resolveName(lex, 'Felis (cat)')).toMatchObject({ match: 'exact', keys: ['cat'] });
  });

  it('prefers first senses mildly, and corpus-less senses less', () => {
    expect(senseWeight(0, 3)).toBe(1);
    expect(senseWeight(1, 3)).toBeCloseTo(1 / 1.1, 10);
    expect(senseWeight(5, 1)).toBeCloseTo(0.85 / 1.1, 10);
    expect(senseWeight(4, 0)).toBe(1); // no frequencies: no order
    const dog = resolveName(tiny(), 'dog');
    expect([...dog.synsets]).toEqual([DOG, CAR]);
    expect(dog.weights[1]).toBeCloseTo(0.85 / 1.1, 6);
  });

  it('compares unknown names by spelling', () => {
    const lex = tiny();
    const a = resolveName(lex, 'zzz qqq');
    expect(stringSimilarity(a, resolveName(lex, 'ZZZ_qqq'))).toBe(1);
    expect(stringSimilarity(a, resolveName(lex, 'zzz widget'))).toBeGreaterThan(
      stringSimilarity(a, resolveName(lex, 'car')),
    );
  });
});

describe('semanticSimilarity on the hand-made graph', () => {
  const lex = tiny();
  const sources = ['tabby, tabby cat', 'siamese', 'dog', 'car', 'bird', 'zzz qqq'];
  const targets = ['cats', 'robot_dogs', 'Auto', 'zzz-qqq'];
  const r = semanticSimilarity(sources, targets, lex);
  const row = (t: number) => Array.from(r.sim.subarray(t * sources.length, (t + 1) * sources.length));

  it('is Wu–Palmer (weighted by sense) where both names are known, in [0, 1]', () => {
    expect(r.sim.every((v) => v >= 0 && v <= 1)).toBe(true);
    const tol = 0.006; // the token-overlap tie-break moves scores by at most 0.005
    expect(Math.abs((row(0)[0] as number) - 8 / 9)).toBeLessThan(tol); // cats ~ tabby
    expect(Math.abs((row(0)[2] as number) - 0.75)).toBeLessThan(tol); // cats ~ dog: mammal (D3), 1 + 1 steps
    expect(Math.abs((row(1)[2] as number) - 8 / 9)).toBeLessThan(tol); // robot dogs ~ dog
    expect(Math.abs((row(2)[3] as number) - 1)).toBeLessThan(tol); // Auto = car
    // Auto ~ dog through dog's second, corpus-less sense (car): 1 × 0.85 / 1.1
    expect(Math.abs((row(2)[2] as number) - 0.85 / 1.1)).toBeLessThan(tol);
  });

  it('falls back to spelling and says which names WordNet lacks', () => {
    expect(r.unknownTargets).toEqual(['zzz-qqq']);
    expect(r.unknownSources).toEqual(['zzz qqq']);
    expect(row(3)[5]).toBe(1);
    expect(Math.max(...row(3).slice(0, 5))).toBeLessThan(0.5);
  });

  it('gives a sensible round-robin assignment', () => {
    const rows = targets.map((_, t) => r.sim.subarray(t * sources.length, (t + 1) * sources.length));
    expect(semanticAssignment(rows, sources.length, 1)).toEqual([[0], [2], [3], [5]]);
    const m = semanticMapping(sources, targets, 1, wordNetSimilarity(sources, targets, lex));
    expect(m.report.assignedNames).toEqual([['tabby, tabby cat'], ['dog'], ['car'], ['zzz qqq']]);
  });
});

describe('parseLexicon', () => {
  it('refuses what is not a lexicon, with a hint', () => {
    const html = new TextEncoder().encode('<!doctype html><html><body>not found</body></html>');
    expect(() => parseLexicon(html.buffer as ArrayBuffer)).toThrow(/magic number.*prepare-assets/);
    expect(() => parseLexicon(new ArrayBuffer(8))).toThrow(/only 8 bytes/);
  });
});
