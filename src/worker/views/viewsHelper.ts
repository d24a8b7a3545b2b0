/**
 * The helper thread of the views (viewsWorker.ts): the prompt's pictures and FFT, computed in
 * plain JavaScript off the engine thread, so that training does not wait for them.
 */
import { type RgbaImage } from '../../engine/export/promptPictures';
import { type PromptViews, promptViews } from '../../engine/views/promptViews';
import type { PromptActivation } from '../../core/design/kinds';
import type { PromptState } from '../../engine/prompt/prompter';

export interface ViewsJob {
  id: number;
  prompt: PromptState;
  activation: PromptActivation;
  seen: RgbaImage[];
}

export type ViewsJobResult = { id: number; views: PromptViews; ms: number } | { id: number; error: string };

/** How long one picture may take in the helper thread (it takes well under a second). */
const HELPER_TIMEOUT_MS = 20_000;

/** The helper thread, started on first use; null where workers cannot start workers (or it failed). */
class ViewsHelper {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (r: { views: PromptViews; ms: number }) => void; reject: (e: Error) => void }
  >();
  private next = 0;
  broken = false;

  constructor() {
    this.worker = new Worker(new URL('../viewsWorker.ts', import.meta.url), { type: 'module', name: 'autovp-views' });
    this.worker.onmessage = (e: MessageEvent<ViewsJobResult>) => {
      const job = this.pending.get(e.data.id);
      this.pending.delete(e.data.id);
      if (!job) return;
      if ('error' in e.data) job.reject(new Error(e.data.error));
      else job.resolve(e.data);
    };
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.fail(new Error(e.message || 'the views helper thread failed'));
    };
  }

  private fail(error: Error): void {
    this.broken = true;
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
    this.worker.terminate();
  }

  run(
    prompt: PromptState,
    activation: PromptActivation,
    seen: RgbaImage[],
  ): Promise<{ views: PromptViews; ms: number }> {
    const id = ++this.next;
    const job: ViewsJob = { id, prompt, activation, seen };
    return new Promise((resolve, reject) => {
      // A helper that never answers must not hold up the end of training: give up on it.
      const timer = setTimeout(
        () => this.fail(new Error(`the views helper thread did not answer within ${HELPER_TIMEOUT_MS / 1000} s`)),
        HELPER_TIMEOUT_MS,
      );
      const settle =
        <T>(f: (v: T) => void) =>
        (v: T) => {
          clearTimeout(timer);
          f(v);
        };
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      const buffers = [prompt.delta.buffer, prompt.mask.buffer, ...seen.map((s) => s.rgba.buffer)] as ArrayBuffer[];
      try {
        this.worker.postMessage(job, [...new Set(buffers)]);
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(id);
        throw e;
      }
    });
  }
}

let helper: ViewsHelper | null | undefined;

function viewsHelper(): ViewsHelper | null {
  if (helper?.broken) {
    helper = null; // a failed helper is not started again: the pictures are computed here from now on
  } else if (helper === undefined) {
    try {
      helper = typeof Worker === 'undefined' ? null : new ViewsHelper();
    } catch {
      helper = null;
    }
  }
  return helper;
}

/** The pictures of a captured prompt: in the helper thread when there is one, here otherwise. */
export async function computeViews(
  prompt: PromptState,
  activation: PromptActivation,
  seen: RgbaImage[],
): Promise<{ views: PromptViews; ms: number; offThread: boolean }> {
  const h = viewsHelper();
  if (h) {
    // The helper takes the arrays over: keep copies in case it fails and the work is done here.
    const copy = { ...prompt, delta: prompt.delta.slice(), mask: prompt.mask.slice() };
    const seenCopy = seen.map((s) => ({ ...s, rgba: s.rgba.slice() }));
    try {
      return { ...(await h.run(copy, activation, seenCopy)), offThread: true };
    } catch {
      // fall through: compute here
    }
  }
  const t0 = performance.now();
  const views = promptViews(prompt, activation, seen);
  return { views, ms: performance.now() - t0, offThread: false };
}
