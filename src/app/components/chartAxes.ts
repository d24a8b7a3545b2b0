/**
 * Axis ticks for the training charts: "nice" values (1, 2, 2.5 or 5 × 10^k apart) that cover the
 * data, and a label format with just enough decimals for every tick to read differently (no
 * "0, 0.0, 0.0, 0.1" when the first batches cover a twentieth of an epoch).
 */

export interface Axis {
  domain: [number, number];
  ticks: number[];
  format(value: number): string;
}

const NICE = [1, 2, 2.5, 5, 10];

/** The tick spacing: a nice number at least span / (maxTicks - 1). */
export function niceStep(span: number, maxTicks = 5): number {
  const raw = span / Math.max(1, maxTicks - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return NICE.find((n) => n * magnitude >= raw * (1 - 1e-9))! * magnitude;
}

/** Evenly spaced nice ticks from at or below lo to at or above hi; an empty span is widened. */
export function niceTicks(lo: number, hi: number, maxTicks = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi - lo < 1e-12) {
    const pad = Math.abs(hi) * 0.05 || 0.5;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, maxTicks);
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  // Multiples of the step, rounded off float noise (0.30000000000000004).
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** The fewest decimals that write every tick exactly (so distinct ticks read differently). */
export function tickDecimals(ticks: readonly number[]): number {
  let d = 0;
  while (d < 10 && ticks.some((t) => Math.abs(Math.round(t * 10 ** d) - t * 10 ** d) > 1e-6)) d++;
  return d;
}

/** Epochs on x: from 0 to the latest point, "0, 0.25, 0.5" or "0, 1, 2". */
export function epochAxis(maxEpoch: number): Axis {
  const ticks = niceTicks(0, maxEpoch > 0 ? maxEpoch : 1, 6);
  const d = tickDecimals(ticks);
  return { domain: [0, ticks[ticks.length - 1]!], ticks, format: (v) => String(Number(v.toFixed(d))) };
}

/** Loss on y: the data's range widened to nice ticks (never below 0), same decimals on every tick. */
export function lossAxis(values: readonly number[]): Axis {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo > hi) [lo, hi] = [0, 1];
  let ticks = niceTicks(Math.max(0, lo), hi, 5);
  if (ticks[0]! < 0) ticks = ticks.filter((t) => t >= 0);
  const d = tickDecimals(ticks);
  return { domain: [ticks[0]!, ticks[ticks.length - 1]!], ticks, format: (v) => v.toFixed(d) };
}

/** Accuracy on y: always 0 to 100 %, in quarters. */
export function accuracyAxis(): Axis {
  return { domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1], format: (v) => `${Math.round(v * 100)}%` };
}

/** Tooltip values: accuracy in % with one decimal, loss with four significant digits. */
export const tooltipValue = (metric: 'Loss' | 'Acc', v: number) =>
  metric === 'Acc' ? `${(v * 100).toFixed(1)}%` : String(Number(v.toPrecision(4)));
