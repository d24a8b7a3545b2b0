import { describe, expect, it } from 'vitest';
import type { BackendChoice } from '../../worker/api/trainingApi';
import { stopAgainAfter } from './stopAgain';

const wasm: BackendChoice = { name: 'wasm', reason: '', attempts: [] };
const switched = { type: 'backend-switched', failed: 'webgpu', failure: 'device lost', backend: wasm } as const;

describe('stopAgainAfter', () => {
  it('repeats a stop when the run restarted on another backend while stopping', () => {
    expect(stopAgainAfter(switched, 'stopping')).toBe(true);
  });

  it('does nothing otherwise', () => {
    expect(stopAgainAfter(switched, 'running')).toBe(false);
    expect(stopAgainAfter({ type: 'phase', phase: 'training' }, 'stopping')).toBe(false);
  });
});
