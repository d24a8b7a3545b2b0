/**
 * `autovp search --resume` (issue 17): a search interrupted by a real SIGINT (the CLI as a child
 * process) goes on from its search.json without training again the trials that ended, and ends
 * exactly as the uninterrupted search: the same trials, epochs, ASHA decisions, winner and test
 * accuracy. On a tiny model folder (64² input) and three easy classes, on the cpu backend.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeClassFolders } from '../../test/support/imageFolder';
import { writeTinyModelFolder } from '../../test/support/tinyModelFolder';

const ROOT = resolve(__dirname, '../..');
let tmp = '';

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'autovp-search-resume-'));
  await tf.setBackend('cpu');
  await writeTinyModelFolder(join(tmp, 'tiny'), { inputSize: 64 });
  writeClassFolders(join(tmp, 'easy'), 30, 1);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Four configurations, three epochs at most: ASHA stops the FreqMap trials after two (measured). */
const searchArgs = (out: string, ...extra: string[]) => [
  'search',
  '--data', 'easy',
  '--model', 'tiny',
  '--mappings', 'fully,freq',
  '--scales', '1',
  '--ks', '1',
  '--max-epochs', '3',
  '--final-epochs', '1',
  '--batch', '8',
  '--base-size', '32',
  '--lr', '0.05',
  '--backend', 'cpu',
  '--no-baseline',
  '--budget-minutes', '0',
  '--seed', '5',
  '--out', out,
  ...extra,
];

/** `autovp` as a child process; SIGINT once stderr shows `interruptOn`. */
async function autovp(args: string[], interruptOn?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'cli', 'autovp.mjs'), ...args], {
    cwd: tmp,
    env: { ...process.env, AUTOVP_OFFLINE: '1', AUTOVP_CACHE_DIR: join(tmp, 'cache') },
  });
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (interruptOn && !signalled && stderr.includes(interruptOn)) {
      signalled = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
  return { code, stdout, stderr };
}

interface SearchJson {
  status: string;
  trials: { id: string; status: string; epochs: number; rungsReached: number[]; valAccByEpoch: number[]; trainAccByEpoch: number[] }[];
  winner: { id: string; finalTraining: { testAccuracy: number } | null } | null;
}
const readSearch = (out: string) => JSON.parse(readFileSync(join(tmp, out, 'search.json'), 'utf8')) as SearchJson;
/** Everything but the timings. */
const outcome = (s: SearchJson) => ({
  trials: s.trials.map(({ id, status, epochs, rungsReached, valAccByEpoch, trainAccByEpoch }) => ({ id, status, epochs, rungsReached, valAccByEpoch, trainAccByEpoch })),
  winner: s.winner?.id,
  testAccuracy: s.winner?.finalTraining?.testAccuracy,
});

describe('autovp search --resume', () => {
  it('a search interrupted by SIGINT goes on from its search.json, trains no ended trial again, and ends as the uninterrupted one', async () => {
    const whole = await autovp(searchArgs('whole'));
    expect(whole.code, whole.stderr).toBe(0);
    const uninterrupted = readSearch('whole');
    expect(uninterrupted.status).toBe('finished');
    expect(uninterrupted.trials.map((t) => t.status).sort()).toEqual(['completed', 'completed', 'stopped', 'stopped']);

    // Interrupted while the third trial trains: the first two have ended.
    const cut = await autovp(searchArgs('cut'), 'trial 3/4');
    expect(cut.stderr).toContain('Interrupted: finishing the current epoch, then writing search.json');
    expect(cut.code).toBe(130);
    expect(cut.stderr).toContain('Continue it with the same command and --resume cut: the trials that ended are kept.');
    const saved = readSearch('cut');
    expect(saved.status).toBe('cancelled');
    expect(outcome(saved).trials.slice(0, 2)).toEqual(outcome(uninterrupted).trials.slice(0, 2));
    expect(saved.trials[3]).toMatchObject({ status: 'pending', epochs: 0 });

    // Other options are refused, naming them; nothing is written.
    const other = await autovp(searchArgs('cut', '--resume', 'cut', '--trial-images', '30', '--grace', '2'));
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('--resume continues a search with the options it was started with; these differ:');
    expect(other.stderr).toContain('trialTrainImages: 63 in the search, 30 now');
    expect(other.stderr).toContain('the searched ASHA schedule differs');
    expect(readSearch('cut')).toEqual(saved);
    const nowhere = await autovp(searchArgs('cut', '--resume', 'nowhere'));
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('--resume nowhere: there is no search.json there.');

    const resumed = await autovp(searchArgs('cut', '--resume', 'cut'));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/Resuming the search of cut\/search\.json: 2 trials ended and kept, 1 cut short by the interruption to run again from the start, 2 to run in all\./);
    // The ended trials are not trained again: no epoch of theirs is reported.
    for (const t of uninterrupted.trials.slice(0, 2)) expect(resumed.stderr).not.toContain(`(${t.id})`);
    expect(resumed.stderr).toContain(`trial 3/4`);
    expect(outcome(readSearch('cut'))).toEqual(outcome(uninterrupted));
    expect(resumed.stdout.trim()).toBe(whole.stdout.trim().replace('whole/search.json', 'cut/search.json'));
  }, 240_000);
});
