import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeClassFolders } from '../../test/support/imageFolder';
import { isInMemory, readImages } from '../core/data/imageSet';
import { loadData, relabelAll } from './data';
import type { CliEnv } from './env';
import { Progress } from './progress';

const ROOT = resolve(__dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'autovp-lazy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const quiet = { write: () => undefined };
const env = (): CliEnv => ({ root: ROOT, cwd: tmp, stdout: quiet, stderr: quiet, vars: { AUTOVP_OFFLINE: '1' } });
const progress = new Progress(quiet, { quiet: true });

describe('a large folder in the CLI', () => {
  it('is decoded per batch from the files, to the same pixels as in memory, and says so when a file vanished', async () => {
    const files = writeClassFolders(join(tmp, 'easy'), 5, 3);
    const eager = await loadData('easy', env(), { fit: 'stretch', maxImages: 100, progress });
    const lazy = await loadData('easy', env(), { fit: 'stretch', maxImages: 100, progress, lazyAbove: 0 });
    expect(isInMemory(eager.dataset.train)).toBe(true);
    expect(isInMemory(lazy.dataset.train)).toBe(false);
    expect(Array.from(lazy.dataset.train.labels)).toEqual(Array.from(eager.dataset.train.labels));
    const idx = [7, 0, 3, 3];
    expect(Buffer.from(await readImages(lazy.dataset.train, idx)).equals(Buffer.from(await readImages(eager.dataset.train, idx)))).toBe(true);
    // Relabelled (eval's path) without copying pixels, still the same images.
    const classes = [...lazy.dataset.meta.classes].reverse();
    const all = relabelAll(lazy, classes, 'the data');
    expect(isInMemory(all)).toBe(false);
    expect(Buffer.from(await readImages(all, idx)).equals(Buffer.from(await readImages(relabelAll(eager, classes, 'the data'), idx)))).toBe(true);
    for (const f of files) unlinkSync(f);
    await expect(readImages(lazy.dataset.train, [0])).rejects.toThrow(/could not be read again.*Run the command again/);
  });
});
