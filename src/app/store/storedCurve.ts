import type { BatchMetrics } from '../../worker/api/trainingApi';
import type { TrainingCurve } from '../../worker/api/runsApi';

/** A stored, thinned training curve as batch points for the charts (x = epoch + (batch + 1) / batchesPerEpoch). */
export function curveToBatches(curve: TrainingCurve): BatchMetrics[] {
  const per = 1000;
  return curve.x.map((x, i) => {
    const epoch = Math.max(0, Math.ceil(x) - 1);
    const batch = Math.max(0, Math.round((x - epoch) * per) - 1);
    return {
      epoch,
      batch,
      batchesPerEpoch: per,
      step: i + 1,
      totalSteps: curve.x.length,
      loss: curve.loss[i] ?? NaN,
      accuracy: curve.acc[i] ?? NaN,
      learningRate: NaN,
      imagesPerSecond: NaN,
      elapsedSeconds: NaN,
    };
  });
}
