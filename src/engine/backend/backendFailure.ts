/**
 * An error thrown by the compute backend at its first real use (the first mapping pass or the
 * first training step of a run), when a kernel the probe did not cover fails to compile or run.
 * The worker then moves the run to the next backend instead of failing it.
 */
export class BackendFailure extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'BackendFailure';
  }
}

/** Runs `work`; an error it throws becomes a BackendFailure when `firstUse` is true. */
export async function asFirstUse<T>(firstUse: boolean, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw firstUse && !(e instanceof BackendFailure) ? new BackendFailure(e) : e;
  }
}
