import { memo, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { SearchRecord } from '../../../core/search/records';
import { leaderboard } from '../../../core/search/searchState';
import { trialName } from '../../../core/search/trialName';
import { useApp } from '../../store';
import type { LivePoint } from '../../store/searchSlice';

/** Okabe–Ito colours without yellow (too faint on white): distinguishable with colour-vision deficiencies. */
const TRIAL_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
const OTHER = '#c3cad5';
/** Trials drawn in grey besides the coloured ones (the rest are left out to keep the chart light). */
const MAX_GREY = 60;

interface Series {
  id: string;
  label: string;
  color: string | null;
  val: { x: number; y: number }[];
  live: { x: number; y: number }[];
}

const Chart = memo(function Chart({ series, maxEpochs }: { series: Series[]; maxEpochs: number }) {
  return (
    <ResponsiveContainer width="100%" height={240}>
      <LineChart margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
        <CartesianGrid stroke="#e3e7ee" />
        <XAxis
          dataKey="x"
          type="number"
          domain={[0, maxEpochs]}
          allowDecimals={false}
          label={{ value: 'epoch', position: 'insideBottomRight', offset: -4 }}
        />
        <YAxis
          domain={[0, (max: number) => Math.min(1, Math.ceil((max + 0.05) * 10) / 10)]}
          tickFormatter={(v: number) => `${Math.round(v * 100)}%`}
          width={48}
        />
        <Tooltip
          formatter={(v) => (typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : String(v))}
          labelFormatter={(v) => `epoch ${Number(v).toFixed(2)}`}
        />
        {series
          .filter((s) => !s.color)
          .map((s) => (
            <Line
              key={s.id}
              data={s.val}
              dataKey="y"
              name={s.label}
              stroke={OTHER}
              strokeWidth={1}
              dot={false}
              isAnimationActive={false}
              legendType="none"
            />
          ))}
        {series
          .filter((s) => s.color)
          .flatMap((s) => [
            <Line
              key={`${s.id}-live`}
              data={s.live}
              dataKey="y"
              name={`${s.label} (training, live)`}
              stroke={s.color as string}
              strokeWidth={1}
              strokeDasharray="4 3"
              dot={false}
              isAnimationActive={false}
            />,
            <Line
              key={s.id}
              data={s.val}
              dataKey="y"
              name={`${s.label} (validation)`}
              stroke={s.color as string}
              strokeWidth={2}
              dot={{ r: 3 }}
              isAnimationActive={false}
            />,
          ])}
      </LineChart>
    </ResponsiveContainer>
  );
});

/** What the chart shows, as it shows it now. */
function captionFor(coloured: number, liveCurves: boolean, grey: number): string {
  return (
    `Validation accuracy after each epoch (solid line, a dot per epoch) of the ${coloured === 1 ? 'trial' : `${coloured} best trials and those training now`}, named below` +
    (liveCurves ? '; dashed: smoothed training accuracy of a trial while it trains' : '') +
    (grey > 0 ? `; ${grey} other trial${grey === 1 ? '' : 's'} in grey` : '') +
    '.'
  );
}

/** Validation accuracy per epoch of every trial; the leaders and the trials in flight in colour, with their live training curve. */
export function TrialCurves({ record }: { record: SearchRecord }) {
  const curves = useApp((s) => s.searchLive.curves);
  const series = useMemo(() => {
    const several = Object.keys(record.setup.models).length > 1;
    const ranked = leaderboard(record.state.trials).filter((t) => t.epochs.length > 0 || t.status === 'running');
    const running = ranked.filter((t) => t.status === 'running');
    const top = ranked
      .filter((t) => t.status !== 'running' && t.status !== 'failed')
      .slice(0, TRIAL_COLORS.length - Math.min(running.length, 3));
    const colored = [...top, ...running].slice(0, TRIAL_COLORS.length);
    const toVal = (t: (typeof ranked)[number]) => t.epochs.map((e) => ({ x: e.epoch, y: e.valAcc }));
    const toLive = (pts: LivePoint[] | undefined) => (pts ?? []).map((p) => ({ x: p.x, y: p.acc }));
    const out: Series[] = colored.map((t, i) => ({
      id: t.config.id,
      label: trialName(t, several ? record.setup.models[t.config.modelId]?.name : undefined),
      color: TRIAL_COLORS[i] as string,
      val: toVal(t),
      live: t.status === 'running' ? toLive(curves[t.config.id]) : [],
    }));
    const grey = ranked.filter((t) => !colored.includes(t) && t.epochs.length > 0).slice(0, MAX_GREY);
    return [
      ...out,
      ...grey.map((t) => ({ id: t.config.id, label: trialName(t), color: null, val: toVal(t), live: [] })),
    ];
  }, [record, curves]);
  const colored = series.filter((s) => s.color);
  if (colored.length === 0) {
    return (
      <section className="card empty-charts" aria-label="Trial curves">
        <p>Each trial’s curve appears here as soon as its first batch has trained.</p>
      </section>
    );
  }
  return (
    <section className="card" aria-labelledby="curves-title" data-testid="trial-curves" data-series={series.length}>
      <h2 id="curves-title">Trial curves</h2>
      <figure className="chart">
        <figcaption className="hint" data-testid="curves-caption">
          {captionFor(
            colored.length,
            colored.some((s) => s.live.length > 0),
            series.length - colored.length,
          )}
        </figcaption>
        <Chart series={series} maxEpochs={record.state.asha.maxEpochs} />
        <ul className="trial-legend">
          {colored.map((s) => (
            <li key={s.id}>
              <span className="swatch" style={{ background: s.color as string }} aria-hidden="true" />
              <span>{s.label}</span>
            </li>
          ))}
        </ul>
      </figure>
    </section>
  );
}
