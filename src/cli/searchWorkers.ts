/**
 * `autovp search --workers N`: trials trained side by side in N child processes of the CLI (each
 * with its own tfjs, data and model), driven by the one SearchController of the parent as trial
 * executors over Node's IPC channel: start / epoch / end / stop, answered in order. A child is the
 * hidden command `__search-worker` with the search's own arguments, so it loads the same images.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { TrialExecutor } from '../core/search/searchController';
import type { TrialEpoch, TrialRecord } from '../core/search/searchState';
import type { CliEnv } from './env';

/** The hidden command a worker process runs. */
export const SEARCH_WORKER_COMMAND = '__search-worker';

type Request = { id: number; op: 'start'; trial: TrialRecord } | { id: number; op: 'epoch' | 'end' };
type Reply = { id: number; ok: true; value?: TrialEpoch } | { id: number; ok: false; error: string };
/** Unprompted: a training batch of the trial in flight (for the status line). */
export interface BatchNote {
  type: 'batch';
  imagesPerSecond: number;
  /** The worker's peak resident memory so far, MB (a darknet-tiny worker: 0.8–2.3 GB measured, BENCHMARKS.md issue 18 part 3). */
  peakMB: number;
}
type Note = BatchNote | { type: 'ready' };

export interface RemoteExecutor extends TrialExecutor {
  /** Ends the epoch in flight after its current batch. */
  stop(): void;
  dispose(): void;
}

/** Forks one worker process and drives it as a trial executor. */
export function forkTrialWorker(
  env: CliEnv,
  searchArgs: readonly string[],
  onBatch: (n: BatchNote) => void,
): RemoteExecutor {
  const child: ChildProcess = fork(join(env.root, 'cli', 'autovp.mjs'), [SEARCH_WORKER_COMMAND, ...searchArgs], {
    cwd: env.cwd,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  let next = 0;
  const waiting = new Map<number, { resolve: (v: TrialEpoch | undefined) => void; reject: (e: Error) => void }>();
  let exited: Error | null = null;
  let peakMB = 0;
  child.on('message', (m: Reply | Note) => {
    if ('type' in m) {
      if (m.type === 'batch') {
        peakMB = Math.max(peakMB, m.peakMB);
        onBatch(m);
      }
      return;
    }
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (!w) return;
    if (m.ok) w.resolve(m.value);
    else w.reject(new Error(m.error));
  });
  child.on('exit', (code, signal) => {
    exited = new Error(
      `a search worker process ended (${signal ?? `exit code ${code}`}${peakMB ? `; its memory peaked at ${(peakMB / 1024).toFixed(1)} GB` : ''})${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`,
    );
    for (const w of waiting.values()) w.reject(exited);
    waiting.clear();
  });
  const call = (op: 'start' | 'epoch' | 'end', trial?: TrialRecord) =>
    new Promise<TrialEpoch | undefined>((resolve, reject) => {
      if (exited) return reject(exited);
      const id = next++;
      waiting.set(id, { resolve, reject });
      const request: Request = op === 'start' ? { id, op, trial: trial as TrialRecord } : { id, op };
      child.send(request);
    });
  return {
    start: async (trial) => void (await call('start', trial)),
    epoch: async () => (await call('epoch')) as TrialEpoch,
    end: async () => void (await call('end')),
    stop: () => {
      if (!exited && child.connected) child.send({ op: 'stop' });
    },
    dispose: () => {
      if (!exited) child.kill();
    },
  };
}

/**
 * The worker's side: answers the parent's requests with `executor`, one at a time in order; a
 * 'stop' note ends the epoch in flight (`stopRequested` is what the executor's shouldStop reads).
 */
export function serveTrials(executor: TrialExecutor, stop: { requested: boolean }): Promise<void> {
  const send = (m: Reply | Note) => process.send?.(m);
  // Ctrl-C reaches the whole process group: the parent decides, through 'stop'.
  process.on('SIGINT', () => undefined);
  let queue = Promise.resolve();
  return new Promise((resolve) => {
    process.on('disconnect', () => resolve());
    process.on('message', (m: Request | { op: 'stop' }) => {
      if (m.op === 'stop') {
        stop.requested = true;
        return;
      }
      const r = m;
      queue = queue.then(async () => {
        try {
          if (r.op === 'start') {
            stop.requested = false;
            await executor.start(r.trial);
            send({ id: r.id, ok: true });
          } else if (r.op === 'epoch') {
            send({ id: r.id, ok: true, value: await executor.epoch() });
          } else {
            await executor.end();
            send({ id: r.id, ok: true });
          }
        } catch (e) {
          send({ id: r.id, ok: false, error: e instanceof Error ? e.message : String(e) });
        }
      });
    });
    send({ type: 'ready' });
  });
}

/** Tells the parent about a batch of the trial in flight, and the worker's peak memory (maxRSS is in kB). */
export const noteBatch = (imagesPerSecond: number) =>
  process.send?.({ type: 'batch', imagesPerSecond, peakMB: process.resourceUsage().maxRSS / 1024 } satisfies BatchNote);
