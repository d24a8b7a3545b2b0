/** Most points a training curve draws: recharts' redraw grows with them; a chart is a few hundred pixels wide. */
export const MAX_CURVE_POINTS = 300;

/**
 * At most `max` of `items`, evenly spread, always with the first and the last: a long run's
 * thousands of batch points drawn as a few hundred, so each redraw while training stays short.
 */
export function thinPoints<T>(items: readonly T[], max = MAX_CURVE_POINTS): T[] {
  if (items.length <= max) return items.slice();
  if (max < 1) return [];
  if (max === 1) return items.slice(-1);
  const out: T[] = [];
  const step = (items.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(items[Math.round(i * step)]!);
  return out;
}
