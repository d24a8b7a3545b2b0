import { memo, useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { BatchMetrics, EpochMetrics } from '../../worker/api';
import { useApp } from '../store';

/** Okabe–Ito colours: distinguishable with every common colour-vision deficiency. */
export const COLORS = { train: '#0072B2', trainSmooth: '#56B4E9', val: '#D55E00' };

interface Point {
  epoch: number;
  trainLoss?: number;
  trainAcc?: number;
  smoothLoss?: number;
  smoothAcc?: number;
  valLoss?: number;
  valAcc?: number;
}

/** Batch points at fractional epochs (exponentially smoothed) plus validation points at epoch ends. */
export function chartPoints(batches: BatchMetrics[], epochs: EpochMetrics[]): Point[] {
  const points: Point[] = [];
  let sl = NaN;
  let sa = NaN;
  for (const b of batches) {
    sl = Number.isNaN(sl) ? b.loss : 0.8 * sl + 0.2 * b.loss;
    sa = Number.isNaN(sa) ? b.accuracy : 0.8 * sa + 0.2 * b.accuracy;
    points.push({
      epoch: b.epoch + (b.batch + 1) / b.batchesPerEpoch,
      trainLoss: b.loss,
      trainAcc: b.accuracy,
      smoothLoss: sl,
      smoothAcc: sa,
    });
  }
  for (const e of epochs) points.push({ epoch: e.epoch + 1, valLoss: e.valLoss, valAcc: e.valAcc });
  return points.sort((a, b) => a.epoch - b.epoch);
}

const Chart = memo(function Chart({
  points,
  metric,
  title,
}: {
  points: Point[];
  metric: 'Loss' | 'Acc';
  title: string;
}) {
  const percent = metric === 'Acc';
  const fmt = (v: number) => (percent ? `${Math.round(v * 100)}%` : v.toFixed(2));
  return (
    <figure className="chart" aria-label={title} data-testid={`chart-${metric.toLowerCase()}`}>
      <figcaption>{title}</figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={points} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid stroke="#e3e7ee" />
          <XAxis
            dataKey="epoch"
            type="number"
            domain={[0, 'dataMax']}
            tickFormatter={(v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1))}
            label={{ value: 'epoch', position: 'insideBottomRight', offset: -4 }}
          />
          <YAxis domain={percent ? [0, 1] : ['auto', 'auto']} tickFormatter={fmt} width={48} />
          <Tooltip
            formatter={(v) => (typeof v === 'number' ? fmt(v) : String(v))}
            labelFormatter={(v) => `epoch ${Number(v).toFixed(2)}`}
          />
          <Legend />
          <Line
            dataKey={`train${metric}`}
            name="train (batch)"
            stroke={COLORS.trainSmooth}
            dot={false}
            strokeWidth={1}
            isAnimationActive={false}
            connectNulls
          />
          <Line
            dataKey={`smooth${metric}`}
            name="train (smoothed)"
            stroke={COLORS.train}
            dot={false}
            strokeWidth={2}
            isAnimationActive={false}
            connectNulls
          />
          <Line
            dataKey={`val${metric}`}
            name="validation"
            stroke={COLORS.val}
            strokeWidth={2}
            strokeDasharray="5 3"
            dot={{ r: 4 }}
            isAnimationActive={false}
            connectNulls
          />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
});

export function Charts() {
  const batches = useApp((s) => s.run.batches);
  const epochs = useApp((s) => s.run.epochs);
  const points = useMemo(() => chartPoints(batches, epochs), [batches, epochs]);
  // The charts are mounted from the start: mounting recharts is the costliest render, and doing it
  // when the first batch arrives would block the page mid-training.
  return (
    <section className="card charts" aria-label="Training curves" data-points={points.length}>
      <Chart points={points} metric="Loss" title="Loss (cross-entropy)" />
      <Chart points={points} metric="Acc" title="Accuracy" />
      {points.length === 0 && (
        <p className="charts-empty">Loss and accuracy curves appear here as soon as training starts.</p>
      )}
    </section>
  );
}
