/**
 * `autovp train` with CLIP: a checkpoint folder (config.json, model.safetensors, tokenizer.json)
 * and hf:owner/name, the latter through AUTOVP_HUB_MIRROR onto the tiny fixture (no network), then
 * offline from the cache, then offline with an empty cache (a message naming the URL).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeClassFolders } from '../../test/support/imageFolder';

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
  }, 180_000);

  it('offline with an empty cache: names the URL and what to do', async () => {
    const r = await autovp([...TRAIN, '--model', 'hf:test-owner/tiny-clip', '--out', 'none'], { AUTOVP_CACHE_DIR: join(tmp, 'c2') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`Cannot download ${HUB}config.json`);
    expect(r.stderr).toMatch(/connect to the internet once/);
  }, 60_000);
});
