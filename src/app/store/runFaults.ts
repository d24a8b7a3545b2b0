import type { EngineClient } from '../../client/engineClient';
import type { BackendPreference, TrainEvent } from '../../worker/api/trainingApi';

/** A run survives this many engine crashes in a row; a worker that keeps dying is reported. */
export const MAX_CRASH_RECOVERIES = 3;

export class EngineCrashed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineCrashed';
  }
}

/** Rejects with EngineCrashed when the engine worker dies; `dispose` stops listening. */
export function crashSignal(engine: Pick<EngineClient, 'onCrash'>): { crashed: Promise<never>; dispose(): void } {
  let dispose: () => void = () => undefined;
  const crashed = new Promise<never>((_, reject) => {
    dispose = engine.onCrash((message) => reject(new EngineCrashed(message)));
  });
  // Nobody may be awaiting it any more when it fires.
  crashed.catch(() => undefined);
  return { crashed, dispose: () => dispose() };
}

/** Said on the page when the worker died mid-run and was restarted. */
export const crashNotice = (message: string, attempt: number) =>
  `${message} It was restarted${attempt > 1 ? ` (${attempt} times)` : ''} and the run goes on from its last checkpoint.`;

/** Said when the backend failed mid-run (event 'backend-fault'). */
export const backendFaultNotice = (event: Extract<TrainEvent, { type: 'backend-fault' }>) =>
  `${event.failed.toUpperCase()} failed during the run: ${event.failure}. The run moved to ` +
  `${event.backend.name.toUpperCase()} and goes on from its last checkpoint.`;

/** Where a recovered run went on from. */
export const resumedText = (epochs: number, of: number) =>
  epochs > 0
    ? `Resumed from the checkpoint after epoch ${epochs} of ${of}; the epochs before it are kept.`
    : 'No epoch had finished yet, so the run started again from its first batch.';

/**
 * The Compute choice once a run moved off a failed backend: a backend chosen by name shows the
 * one the run moved to, so that choosing the failed one again is a change the page acts on
 * (a new device, no reload); 'Automatic' stays.
 */
export const preferenceAfterMove = (
  preference: BackendPreference,
  event: Extract<TrainEvent, { type: 'backend-fault' | 'backend-switched' }>,
): BackendPreference => (preference === event.failed ? event.backend.name : preference);

/** Why a run's steps are slower than its batch suggests: they run in passes that fit in memory. */
export function microBatchNotice(images: number, batch: number): string {
  return (
    `A step of ${batch} images needs more memory than one pass may take here, so each step runs as ` +
    `passes of ${images} images whose gradients add up: the same update, a little slower.`
  );
}
