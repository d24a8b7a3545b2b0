/**
 * `autovp train` with CLIP: a checkpoint folder (config.json, model.safetensors, tokenizer.json)
 * and hf:owner/name, the latter through AUTOVP_HUB_MIRROR onto the tiny fixture (no network), then
 * offline from the cache, then offline with an empty cache (a message naming the URL); and CLIP's
 * text encoder for SemanticMap on darknet-tiny (--text-encoder, or the built-in CLIP when cached).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Painter, writeClassFolders } from '../../test/support/imageFolder';

const ROOT = resolve(__dirname, '../..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'tiny-clip');
const HUB = 'https://huggingface.co/test-owner/tiny-clip/resolve/main/';
let tmp = '';

function autovp(args: string[], vars: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, 'cli', 'autovp.mjs'), ...args], {
      cwd: tmp,
      env: { ...process.env, AUTOVP_OFFLINE: '1', ...vars },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 170_000,
    }, (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
  });
}

const metrics = (out: string) => JSON.parse(readFileSync(join(tmp, out, 'metrics.json'), 'utf8')) as Record<string, unknown>;
const TRAIN = ['train', '--data', 'easy', '--epochs', '1', '--no-baseline'];

describe('autovp train with CLIP', () => {
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'autovp-clip-'));
    writeClassFolders(join(tmp, 'easy'), 6, 1);
    // Classes named as three of darknet-tiny's ImageNet classes.
    const plain = (rgb: [number, number, number]): Painter => () => rgb;
    writeClassFolders(join(tmp, 'named'), 6, 1, { airliner: plain([200, 40, 40]), cougar: plain([40, 200, 40]), ibex: plain([40, 40, 200]) });
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('trains from a checkpoint folder and records the zero-shot baseline', async () => {
    const r = await autovp([...TRAIN, '--model', FIXTURE, '--out', 'folder'], { AUTOVP_CACHE_DIR: join(tmp, 'c0') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/a CLIP checkpoint \(CLIP ViT \(2 layers, width 48, patch 16\)/);
    expect(r.stderr).toMatch(/encoding 3 class names × 81 templates/);
    expect(r.stdout).toMatch(/zero-shot \(test\) \d\.\d{4}/);
    const zs = metrics('folder').baselineZeroShot as { accuracy: number; split: string; count: number };
    expect(zs.split).toBe('test');
    expect(zs.count).toBe(3);
    expect(zs.accuracy).toBeGreaterThanOrEqual(0);
  }, 180_000);

  it('downloads hf:owner/name once into the cache, then runs offline from it', async () => {
    const cache = join(tmp, 'c1');
    const mirror = JSON.stringify({ [HUB]: pathToFileURL(FIXTURE).href + '/' });
    const first = await autovp([...TRAIN, '--model', 'hf:test-owner/tiny-clip', '--out', 'hub1'], { AUTOVP_CACHE_DIR: cache, AUTOVP_HUB_MIRROR: mirror });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/Downloading CLIP test-owner\/tiny-clip from the Hugging Face hub/);
    const again = await autovp([...TRAIN, '--model', 'hf:test-owner/tiny-clip', '--out', 'hub2'], { AUTOVP_CACHE_DIR: cache });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/from the cache/);
    // Same checkpoint, same seed: the same run.
    expect(metrics('hub2').baselineZeroShot).toEqual(metrics('hub1').baselineZeroShot);
    // eval finds the checkpoint the prompt names (hf:…) in the cache.
    const evaluated = await autovp(['eval', '--prompt', 'hub2/prompt.safetensors', '--data', 'easy', '--json'], { AUTOVP_CACHE_DIR: cache });
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect((JSON.parse(evaluated.stdout) as { accuracy: number }).accuracy).toBe((metrics('hub2').test as { accuracy: number }).accuracy);
  }, 180_000);

  it('searches with CLIP built per run: SemanticMap set apart, the winner beside its zero-shot baseline', async () => {
    const r = await autovp(['search', '--data', 'easy', '--model', FIXTURE, '--mappings', 'fully,freq,semantic', '--ks', '1', '--scales', '1',
      '--resize', 'fixed', '--base-size', '40', '--max-epochs', '1', '--final-epochs', '1', '--no-baseline', '--out', 'search'], { AUTOVP_CACHE_DIR: join(tmp, 'c3') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/winner folder:tiny-clip\/(fully|freq)\S* · test accuracy \d\.\d{4} .* zero-shot \(test\) \d\.\d{4}/);
    const search = JSON.parse(readFileSync(join(tmp, 'search', 'search.json'), 'utf8')) as { trials: { id: string; epochs: number }[]; excluded: { id: string; reason: string }[] };
    expect(search.trials.map((t) => [t.id, t.epochs]).sort()).toEqual([['folder:tiny-clip/freq/k1/s1/fixed', 1], ['folder:tiny-clip/fully/s1/fixed', 1]]);
    expect(search.excluded).toEqual([{ id: 'folder:tiny-clip/semantic/k1/s1/fixed', reason: 'SemanticMap is not used with text-image models.' }]);
    expect(metrics('search').baselineZeroShot).toMatchObject({ split: 'test', count: 3 });
  }, 180_000);

  it('eval names the CLIP checkpoint a prompt needs when given another model', async () => {
    const trained = await autovp([...TRAIN, '--model', FIXTURE, '--base-size', '40', '--out', 'for-eval'], { AUTOVP_CACHE_DIR: join(tmp, 'c4') });
    expect(trained.code, trained.stderr).toBe(0);
    const r = await autovp(['eval', '--prompt', 'for-eval/prompt.safetensors', '--data', 'easy', '--model', 'darknet-tiny'], {});
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The prompt was trained on the CLIP folder tiny-clip, not on');
    expect(r.stderr).toMatch(/--model hf:owner\/name/);
  }, 180_000);

  it('SemanticMap matches class names by CLIP text embeddings (--text-encoder, or the built-in CLIP when cached), else through WordNet', async () => {
    const semantic = async (out: string, extra: string[], vars: Record<string, string>) => {
      const r = await autovp(['train', '--data', 'named', '--model', 'darknet-tiny', '--mapping', 'semantic', '--k', '1', '--epochs', '1', '--no-baseline', ...extra, '--out', out], vars);
      expect(r.code, r.stderr).toBe(0);
      return { stderr: r.stderr, semanticMap: metrics(out).semanticMap };
    };
    // A name is most similar to itself, even under random weights.
    const itself = { airliner: ['airliner'], cougar: ['cougar'], ibex: ['ibex'] };
    const folder = await semantic('sem-folder', ['--text-encoder', FIXTURE], { AUTOVP_CACHE_DIR: join(tmp, 'c5') });
    expect(folder.stderr).toContain('SemanticMap, matched by CLIP text embeddings (tiny-clip): airliner → airliner; cougar → cougar; ibex → ibex');
    expect(folder.semanticMap).toEqual({ encoder: 'clip', checkpoint: 'tiny-clip', sources: itself });

    const empty = join(tmp, 'c6');
    const wordNet = await semantic('sem-wordnet', [], { AUTOVP_CACHE_DIR: empty });
    expect(wordNet.stderr).toContain('SemanticMap, matched through WordNet:');
    expect(wordNet.semanticMap).toMatchObject({ encoder: 'wordnet', checkpoint: null });

    // The built-in CLIP's hub files (here the fixture, through the mirror) once in the cache: used by default.
    const builtIn = 'https://huggingface.co/openai/clip-vit-base-patch32/resolve/main/';
    const mirror = JSON.stringify({ [builtIn]: pathToFileURL(FIXTURE).href + '/' });
    const hub = await semantic('sem-hub', ['--text-encoder', 'hf:openai/clip-vit-base-patch32'], { AUTOVP_CACHE_DIR: empty, AUTOVP_HUB_MIRROR: mirror });
    expect(hub.stderr).toContain('Downloading CLIP openai/clip-vit-base-patch32');
    const cached = await semantic('sem-default', [], { AUTOVP_CACHE_DIR: empty });
    expect(cached.stderr).toContain('Loading CLIP openai/clip-vit-base-patch32 from the cache');
    expect(cached.semanticMap).toEqual({ encoder: 'clip', checkpoint: 'openai/clip-vit-base-patch32', sources: itself });
  }, 300_000);

  it('offline with an empty cache: names the URL and what to do', async () => {
    const r = await autovp([...TRAIN, '--model', 'hf:test-owner/tiny-clip', '--out', 'none'], { AUTOVP_CACHE_DIR: join(tmp, 'c2') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`Cannot download ${HUB}config.json`);
    expect(r.stderr).toMatch(/connect to the internet once/);
    expect(r.stderr).toMatch(/point --model at a folder holding config.json/);
  }, 60_000);
});
