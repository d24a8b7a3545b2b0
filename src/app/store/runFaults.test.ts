import { describe, expect, it } from 'vitest';
import { backendFaultNotice, crashNotice, crashSignal, EngineCrashed, microBatchNotice, preferenceAfterMove, resumedText } from './runFaults';

/** An engine client stand-in whose worker "dies" on demand. */
function fakeEngine() {
  const listeners = new Set<(message: string) => void>();
  return {
    onCrash(listener: (message: string) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    die: (message: string) => [...listeners].forEach((l) => l(message)),
    listening: () => listeners.size,
  };
}

describe('the page noticing a dead engine worker', () => {
  it('rejects the run in flight with the crash, in words, and stops listening when disposed', async () => {
    const engine = fakeEngine();
    const signal = crashSignal(engine);
    const neverAnswered = new Promise<string>(() => undefined);
    const race = Promise.race([neverAnswered, signal.crashed]);
    engine.die('The engine worker stopped unexpectedly.');
    await expect(race).rejects.toBeInstanceOf(EngineCrashed);
    await expect(race).rejects.toThrow('The engine worker stopped unexpectedly.');
    signal.dispose();
    expect(engine.listening()).toBe(0);
  });

  it('says what happened and where the run went on from', () => {
    expect(crashNotice('The engine worker stopped unexpectedly.', 1)).toBe(
      'The engine worker stopped unexpectedly. It was restarted and the run goes on from its last checkpoint.',
    );
    expect(crashNotice('X.', 2)).toContain('restarted (2 times)');
    expect(microBatchNotice(8, 32)).toBe(
      'A step of 32 images needs more memory than one pass may take here, so each step runs as passes of 8 images whose gradients add up: the same update, a little slower.',
    );
    expect(resumedText(2, 4)).toBe('Resumed from the checkpoint after epoch 2 of 4; the epochs before it are kept.');
    expect(resumedText(0, 4)).toBe('No epoch had finished yet, so the run started again from its first batch.');
    expect(
      backendFaultNotice({
        type: 'backend-fault',
        failed: 'webgpu',
        failure: 'the WebGPU device was lost (destroyed: Device was destroyed.)',
        backend: { name: 'wasm', reason: '', attempts: [] },
      }),
    ).toBe(
      'WEBGPU failed during the run: the WebGPU device was lost (destroyed: Device was destroyed.). The run moved to WASM and goes on from its last checkpoint.',
    );
  });
});

describe('the Compute choice after a run moved off a failed backend', () => {
  const fault = { type: 'backend-fault' as const, failed: 'webgpu' as const, failure: 'the WebGPU device was lost (destroyed)', backend: { name: 'wasm' } as never };
  it('shows the backend the run moved to when the failed one was chosen by name, so that choosing it again acts', () => {
    expect(preferenceAfterMove('webgpu', fault)).toBe('wasm');
    expect(preferenceAfterMove('webgpu', { ...fault, type: 'backend-switched' })).toBe('wasm');
  });
  it('keeps Automatic, and a choice that did not fail', () => {
    expect(preferenceAfterMove('auto', fault)).toBe('auto');
    expect(preferenceAfterMove('webgl', fault)).toBe('webgl');
  });
});
