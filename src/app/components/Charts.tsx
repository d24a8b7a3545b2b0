import { memo, useDeferredValue, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { BatchMetrics, EpochMetrics } from '../../worker/api/trainingApi';
import { isBusy, useApp } from '../store';
import { accuracyAxis, epochAxis, lossAxis, tooltipValue } from './chartAxes';
import { useNextFrame } from './nextFrame';
import { thinPoints } from './thinPoints';

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

/**
 * Batch points at fractional epochs (exponentially smoothed; a long run's thinned to a few hundred)
 * plus validation points at epoch ends.
 */
export function chartPoints(batches: BatchMetrics[], epochs: EpochMetrics[]): Point[] {
  const trained: Point[] = [];
  let sl = NaN;
  let sa = NaN;
  for (const b of batches) {
    sl = Number.isNaN(sl) ? b.loss : 0.8 * sl + 0.2 * b.loss;
    sa = Number.isNaN(sa) ? b.accuracy : 0.8 * sa + 0.2 * b.accuracy;
    trained.push({
      epoch: b.epoch + (b.batch + 1) / b.batchesPerEpoch,
      trainLoss: b.loss,
      trainAcc: b.accuracy,
      smoothLoss: sl,
      smoothAcc: sa,
    });
  }
  const points = thinPoints(trained);
  for (const e of epochs) points.push({ epoch: e.epoch + 1, valLoss: e.valLoss, valAcc: e.valAcc });
  return points.sort((a, b) => a.epoch - b.epoch);
}

interface Series {
  key: 'train' | 'smooth' | 'val';
  name: string;
  color: string;
  width: number;
  dash?: string;
}

const SERIES: Series[] = [
  { key: 'train', name: 'train (each batch)', color: COLORS.trainSmooth, width: 1 },
  { key: 'smooth', name: 'train (smoothed)', color: COLORS.train, width: 2 },
  { key: 'val', name: 'validation (end of epoch)', color: COLORS.val, width: 2, dash: '5 3' },
];

/** One legend for both charts, drawn above them in its own space: never over the curves. */
function ChartLegend() {
  return (
    <ul className="chart-legend" aria-label="Curves" data-testid="chart-legend">
      {SERIES.map((s) => (
        <li key={s.key}>
          <svg width="28" height="10" aria-hidden="true">
            <line x1="1" y1="5" x2="27" y2="5" stroke={s.color} strokeWidth={s.width + 0.5} strokeDasharray={s.dash} />
            {s.key === 'val' && <circle cx="14" cy="5" r="3.5" fill="#fff" stroke={s.color} strokeWidth={1.5} />}
          </svg>
          {s.name}
        </li>
      ))}
    </ul>
  );
}

/** Shown in the plot area until the first point arrives. */
export const emptyChartText = (training: boolean) =>
  training ? 'Waiting for the first batch…' : 'Curves appear here after the first training batch.';

const PLOT_MARGIN = { top: 8, right: 16, bottom: 0, left: 0 };
const Y_AXIS_WIDTH = 56;
const X_AXIS_HEIGHT = 44;

const Chart = memo(function Chart({
  points,
  metric,
  title,
  empty,
}: {
  points: Point[];
  metric: 'Loss' | 'Acc';
  title: string;
  empty: string | null;
}) {
  // A chart's first render is its costliest (recharts' code runs for the first time): the axes
  // come first, the curves a frame later, the tooltip a frame after that, each in a task of its own.
  const lines = useNextFrame(true, false);
  const tooltip = useNextFrame(lines, false);
  const { x, y, batchPoints } = useMemo(() => {
    let maxEpoch = 0;
    let batchPoints = 0;
    const values: number[] = [];
    for (const p of points) {
      maxEpoch = Math.max(maxEpoch, p.epoch);
      if (p.trainLoss !== undefined) batchPoints++;
      if (metric === 'Loss')
        for (const v of [p.trainLoss, p.smoothLoss, p.valLoss]) if (v !== undefined) values.push(v);
    }
    return { x: epochAxis(maxEpoch), y: metric === 'Acc' ? accuracyAxis() : lossAxis(values), batchPoints };
  }, [points, metric]);
  // A single batch point has no line to draw: show it as a dot.
  const lone = batchPoints === 1 ? { r: 2.5 } : false;
  return (
    <figure className="chart" aria-label={title} data-testid={`chart-${metric.toLowerCase()}`}>
      <figcaption>{title}</figcaption>
      <div className="chart-plot">
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={points} margin={PLOT_MARGIN}>
            <CartesianGrid stroke="#e3e7ee" />
            <XAxis
              dataKey="epoch"
              type="number"
              domain={x.domain}
              ticks={x.ticks}
              interval={0}
              tickFormatter={x.format}
              height={X_AXIS_HEIGHT}
              label={{ value: 'epoch', position: 'insideBottom', offset: 4 }}
            />
            <YAxis domain={y.domain} ticks={y.ticks} interval={0} tickFormatter={y.format} width={Y_AXIS_WIDTH} />
            {tooltip && (
              <Tooltip
                formatter={(v) => (typeof v === 'number' ? tooltipValue(metric, v) : String(v))}
                labelFormatter={(v) => `epoch ${Number(v).toFixed(2)}`}
              />
            )}
            {lines &&
              SERIES.map((s) => (
                <Line
                  key={s.key}
                  dataKey={`${s.key}${metric}`}
                  name={s.name}
                  stroke={s.color}
                  strokeWidth={s.width}
                  strokeDasharray={s.dash}
                  // The dash of the line must not break the validation dots' outline.
                  dot={s.key === 'val' ? { r: 4, strokeDasharray: '0' } : lone}
                  isAnimationActive={false}
                  connectNulls
                />
              ))}
          </LineChart>
        </ResponsiveContainer>
        {empty && (
          <p
            className="chart-empty"
            data-testid="chart-empty"
            style={{ left: Y_AXIS_WIDTH, right: PLOT_MARGIN.right, top: PLOT_MARGIN.top, bottom: X_AXIS_HEIGHT }}
          >
            {empty}
          </p>
        )}
      </div>
    </figure>
  );
});

export function Charts() {
  const batches = useApp((s) => s.run.batches);
  const epochs = useApp((s) => s.run.epochs);
  const busy = useApp((s) => isBusy(s.run));
  const live = useMemo(() => chartPoints(batches, epochs), [batches, epochs]);
  // Recharts redraws a whole chart in one go (50–100 ms on a slow machine): the charts follow the
  // store in a transition (rendered in slices, not in the task of a click or a worker message), and
  // the accuracy chart a frame after the loss chart, so that each redraw is a main-thread task of
  // its own, not one twice as long.
  const points = useDeferredValue(live);
  const training = useDeferredValue(busy);
  const shown = useMemo(() => ({ points, training }), [points, training]);
  const later = useNextFrame(shown);
  // Mounting a chart is its costliest render: the second one mounts a frame after the first.
  const second = useNextFrame(true, false);
  const empty = (p: Point[], training: boolean) => (p.length === 0 ? emptyChartText(training) : null);
  // The charts are mounted from the start: mounting recharts is the costliest render, and doing it
  // when the first batch arrives would block the page mid-training.
  return (
    <section className="card charts" aria-label="Training curves" data-points={points.length}>
      <ChartLegend />
      <Chart points={points} metric="Loss" title="Loss (cross-entropy)" empty={empty(points, training)} />
      {second ? (
        <Chart points={later.points} metric="Acc" title="Accuracy" empty={empty(later.points, later.training)} />
      ) : (
        <figure className="chart" aria-label="Accuracy" />
      )}
    </section>
  );
}
