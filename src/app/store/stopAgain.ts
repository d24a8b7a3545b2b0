import type { TrainEvent } from '../../worker/api/trainingApi';

/**
 * When a backend fails (at its first use, or mid-run), the worker starts the run again on another
 * one (mid-run: from its last checkpoint), and that fresh start clears a stop request it had already received (src/worker/training/training.ts). A run the
 * user is stopping must then be told to stop again, or it trains to the end under "Stopping…".
 */
export const stopAgainAfter = (event: TrainEvent, status: string): boolean =>
  (event.type === 'backend-switched' || event.type === 'backend-fault') && status === 'stopping';
