import { describe, expect, it } from 'vitest';
import { curveToBatches } from './storedCurve';

describe('curveToBatches', () => {
  it('gives back the stored points at the same fractional epochs, as the charts place batches', () => {
    const curve = { x: [0.25, 0.5, 1, 1.75, 2], loss: [2.3, 2.1, 1.9, 1.5, 1.4], acc: [0.1, 0.2, 0.3, 0.5, 0.6] };
    const batches = curveToBatches(curve);
    expect(batches.map((b) => b.epoch + (b.batch + 1) / b.batchesPerEpoch)).toEqual(curve.x);
    expect(batches.map((b) => b.loss)).toEqual(curve.loss);
    expect(batches.map((b) => b.accuracy)).toEqual(curve.acc);
    expect(batches.map((b) => b.epoch)).toEqual([0, 0, 0, 1, 1]);
  });
});
