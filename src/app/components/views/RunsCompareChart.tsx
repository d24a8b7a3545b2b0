import { memo, useDeferredValue, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { StoredRunInfo } from '../../../worker/api/runsApi';
import { percent } from '../../format';
import { useApp } from '../../store';
import { SERIES_COLORS, SERIES_DASHES } from './viewText';

interface Series {
  id: string;
  name: string;
  color: string;
  dash: string;
  points: { x: number; y: number }[];
  best: { x: number; y: number } | null;
}

function seriesOf(runs: StoredRunInfo[]): Series[] {
  return runs.map((r, i) => {
    const points = r.epochs.map((e) => ({ x: e.epoch + 1, y: e.valAcc }));
    const best = points.reduce<Series['best']>((b, p) => (!b || p.y > b.y ? p : b), null);
    return {
      id: r.id,
      name: r.name,
      color: SERIES_COLORS[i % SERIES_COLORS.length]!,
      dash: SERIES_DASHES[i % SERIES_DASHES.length]!,
      points,
      best,
    };
  });
}

const Chart = memo(function Chart({ series }: { series: Series[] }) {
  const maxX = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.x)));
  return (
    <ResponsiveContainer width="100%" height={240}>
      <LineChart margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
        <CartesianGrid stroke="#e3e7ee" />
        <XAxis
          dataKey="x"
          type="number"
          domain={[1, maxX]}
          allowDecimals={false}
          label={{ value: 'epoch', position: 'insideBottomRight', offset: -4 }}
        />
        <YAxis domain={[0, 1]} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} width={48} />
        <Tooltip
          formatter={(v) => (typeof v === 'number' ? percent(v) : String(v))}
          labelFormatter={(v) => `epoch ${Number(v)}`}
        />
        {series.map((s) => (
          <Line
            key={s.id}
            data={s.points}
            dataKey="y"
            name={s.name}
            stroke={s.color}
            strokeWidth={2}
            strokeDasharray={s.dash || undefined}
            dot={{ r: 3, fill: s.color }}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
});

/** Validation accuracy per epoch of the runs ticked in the runs list, on one chart. */
export function RunsCompareChart() {
  const runs = useApp((s) => s.runs);
  const ids = useApp((s) => s.compareIds);
  const chosen = useMemo(
    () => ids.map((id) => runs?.find((r) => r.id === id)).filter((r): r is StoredRunInfo => Boolean(r)),
    [ids, runs],
  );
  // The chart follows a tick in a transition: rendered in slices, not in the click's task.
  const series = useDeferredValue(useMemo(() => seriesOf(chosen), [chosen]));
  const drawn = series.filter((s) => s.points.length > 0);
  return (
    <figure
      className="compare-chart"
      aria-labelledby="compare-title"
      data-testid="compare-chart"
      data-series={drawn.length}
    >
      <figcaption id="compare-title">
        <strong>Compare runs:</strong> validation accuracy after each epoch
      </figcaption>
      {chosen.length === 0 ? (
        <p className="view-empty">
          Tick “Compare” on two or more saved runs to draw their validation accuracy here, side by side.
        </p>
      ) : (
        <>
          {drawn.length > 0 && <Chart series={drawn} />}
          <ul className="compare-legend">
            {series.map((s) => (
              <li key={s.id}>
                <svg width="34" height="10" aria-hidden="true">
                  <line
                    x1="1"
                    y1="5"
                    x2="33"
                    y2="5"
                    stroke={s.color}
                    strokeWidth="2.5"
                    strokeDasharray={s.dash || undefined}
                  />
                  <circle cx="17" cy="5" r="3" fill={s.color} />
                </svg>
                <bdi className="compare-name">{s.name}</bdi>
                <span className="muted">
                  {s.best ? `best ${percent(s.best.y)} (epoch ${s.best.x})` : 'no epoch finished'}
                </span>
              </li>
            ))}
          </ul>
          {chosen.length === 1 && <p className="hint">Tick another run to compare it with this one.</p>}
        </>
      )}
    </figure>
  );
}
