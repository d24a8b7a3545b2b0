import type { BackendChoice, BackendName } from '../../worker/api/trainingApi';

export const BACKEND_LABELS: Record<BackendName, string> = { webgpu: 'WebGPU', wasm: 'WASM', webgl: 'WebGL', cpu: 'CPU' };

/** Why the Compute menu is greyed out while a run trains. */
export const BACKEND_LOCKED = 'The backend can be changed when training ends.';

/** Every backend the engine tried, in order, with what came of it: "WebGPU – no adapter", "WASM – chosen". */
export function backendAttempts(choice: Pick<BackendChoice, 'name' | 'attempts'>): { name: string; ok: boolean; text: string }[] {
  return (choice.attempts ?? []).map((a) => ({
    name: BACKEND_LABELS[a.name] ?? a.name,
    ok: a.ok,
    text: a.ok ? (a.name === choice.name ? 'chosen' : 'works') : a.detail || 'could not start',
  }));
}
