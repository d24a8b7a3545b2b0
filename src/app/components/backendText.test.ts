import { describe, expect, it } from 'vitest';
import { backendAttempts } from './backendText';

describe('backendAttempts', () => {
  it('lists every backend tried with its outcome, the chosen one last', () => {
    const lines = backendAttempts({
      name: 'wasm',
      attempts: [
        { name: 'webgpu', ok: false, detail: 'only a software adapter (swiftshader), far slower than WASM on this CPU' },
        { name: 'wasm', ok: true, detail: '' },
      ],
    });
    expect(lines.map((l) => `${l.name} – ${l.text}`)).toEqual([
      'WebGPU – only a software adapter (swiftshader), far slower than WASM on this CPU',
      'WASM – chosen',
    ]);
    expect(lines.map((l) => l.ok)).toEqual([false, true]);
  });

  it('says something for a failure without detail, and nothing when nothing was recorded', () => {
    expect(backendAttempts({ name: 'cpu', attempts: [{ name: 'webgl', ok: false, detail: '' }, { name: 'cpu', ok: true, detail: '' }] })).toEqual([
      { name: 'WebGL', ok: false, text: 'could not start' },
      { name: 'CPU', ok: true, text: 'chosen' },
    ]);
    expect(backendAttempts({ name: 'wasm', attempts: [] })).toEqual([]);
  });
});
