import { describe, expect, it } from 'vitest';
import type { BatchMetrics } from '../../worker/api/trainingApi';
import { runStatusText, STOPPING, type RunStatusInput } from './runStatus';

const batch: BatchMetrics = {
  epoch: 0,
  batch: 3,
  batchesPerEpoch: 10,
  step: 4,
  totalSteps: 40,
  loss: 2,
  accuracy: 0.2,
  learningRate: 0.05,
  imagesPerSecond: 12.5,
  elapsedSeconds: 8,
};
const idleRun: RunStatusInput = { status: 'idle', phase: null, batches: [], modelProgress: null, summary: null };
const run = (patch: Partial<RunStatusInput>): RunStatusInput => ({ ...idleRun, ...patch });

describe('runStatusText', () => {
  it('says at once that the run stops after the batch under way, not the batch progress', () => {
    expect(runStatusText(run({ status: 'stopping', phase: 'training', batches: [batch] }), false)).toBe(STOPPING);
    expect(STOPPING).toBe('Stopping after this batch…');
    // Also while the model still loads: the run then stops before its first batch.
    expect(runStatusText(run({ status: 'stopping', phase: 'loading-model' }), false)).toBe(STOPPING);
  });

  it('shows the batch progress with a rounded time left while training', () => {
    expect(runStatusText(run({ status: 'running', phase: 'training', batches: [batch] }), false)).toBe(
      'Epoch 1, batch 4/10 · 12.5 images/s · about 1 min 12 s left',
    );
    expect(runStatusText(run({ status: 'running', phase: 'training' }), false)).toBe('Training: the first batch is on its way…');
  });

  it('covers the other states', () => {
    expect(runStatusText(idleRun, true)).toBe('Waiting for the dataset and the compute engine…');
    expect(runStatusText(idleRun, false)).toBe('Ready to train.');
    expect(runStatusText(run({ status: 'running', phase: 'loading-model', modelProgress: { loadedBytes: 2048, totalBytes: 4096 } }), false)).toBe(
      'Loading the model… 2 KB of 4 KB',
    );
    expect(runStatusText(run({ status: 'stopped' }), false)).toMatch(/^Stopped\./);
  });
});
