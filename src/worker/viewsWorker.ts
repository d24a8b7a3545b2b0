/// <reference lib="webworker" />
/**
 * A helper thread of the engine worker for the views: turns a captured prompt into its pictures
 * and its spectrum (promptViews, plain JavaScript), so that training does not wait for the FFT.
 * Messages: { id, prompt, activation, seen } in, { id, views, ms } or { id, error } out.
 */
import { pictureBuffers, promptViews } from '../engine/views/promptViews';
import type { ViewsJob, ViewsJobResult } from './views/viewsHelper';

self.onmessage = (e: MessageEvent<ViewsJob>) => {
  const { id, prompt, activation, seen } = e.data;
  try {
    const t0 = performance.now();
    const views = promptViews(prompt, activation, seen);
    const result: ViewsJobResult = { id, views, ms: performance.now() - t0 };
    self.postMessage(result, pictureBuffers([views.prompt, views.spectrum, ...views.seen]));
  } catch (err) {
    const result: ViewsJobResult = { id, error: err instanceof Error ? err.message : String(err) };
    self.postMessage(result);
  }
};
