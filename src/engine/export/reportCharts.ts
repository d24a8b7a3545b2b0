/**
 * The training curves of a run as one standalone SVG (loss and accuracy side by side), for the
 * downloadable report. Same series and colours as the app's live charts. Pure: numbers in,
 * markup out; every text is escaped.
 */
import type { EpochMetrics } from '../train/trainer';

/** Per-batch training points, thinned (x in fractional epochs). */
export interface TrainingCurve {
  x: number[];
  loss: number[];
  acc: number[];
}

const COLORS = { train: '#0072B2', trainSmooth: '#56B4E9', val: '#D55E00' };

interface Series {
  name: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
  dots?: boolean;
  width: number;
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());

function panel(title: string, series: Series[], yPercent: boolean, ox: number, width: number, height: number): string {
  const left = 52;
  const right = 12;
  const top = 28;
  const bottom = 58;
  const w = width - left - right;
  const h = height - top - bottom;
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xMax = Math.max(1, ...all.map(([x]) => x));
  let yMin = yPercent ? 0 : Math.min(...all.map(([, y]) => y));
  let yMax = yPercent ? 1 : Math.max(...all.map(([, y]) => y));
  if (!Number.isFinite(yMin) || !Number.isFinite(yMax)) [yMin, yMax] = [0, 1];
  if (yMax - yMin < 1e-9) [yMin, yMax] = [yMin - 0.5, yMax + 0.5];
  const sx = (x: number) => ox + left + (x / xMax) * w;
  const sy = (y: number) => top + (1 - (y - yMin) / (yMax - yMin)) * h;
  const out: string[] = [`<text x="${ox + left}" y="18" font-size="13" font-weight="600">${escapeXml(title)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const y = yMin + ((yMax - yMin) * i) / 4;
    const label = yPercent ? `${Math.round(y * 100)}%` : fmt(y);
    out.push(`<line x1="${ox + left}" x2="${ox + left + w}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#e3e7ee"/>`);
    out.push(`<text x="${ox + left - 6}" y="${(sy(y) + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="#555">${label}</text>`);
  }
  const ticks = Math.min(10, Math.ceil(xMax));
  for (let i = 0; i <= ticks; i++) {
    const x = (xMax * i) / ticks;
    out.push(`<text x="${sx(x).toFixed(1)}" y="${top + h + 16}" font-size="11" text-anchor="middle" fill="#555">${fmt(x)}</text>`);
  }
  out.push(`<text x="${ox + left + w}" y="${top + h + 30}" font-size="11" text-anchor="end" fill="#555">epoch</text>`);
  out.push(`<rect x="${ox + left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#9aa3b0"/>`);
  for (const s of series) {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length === 0) continue;
    const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width}"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    if (s.dots) for (const [x, y] of pts) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
  }
  let lx = ox + left;
  for (const s of series) {
    out.push(`<line x1="${lx}" x2="${lx + 18}" y1="${height - 12}" y2="${height - 12}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    out.push(`<text x="${lx + 22}" y="${height - 8}" font-size="11">${escapeXml(s.name)}</text>`);
    lx += 30 + s.name.length * 6.2;
  }
  return out.join('\n');
}

function smooth(values: number[]): number[] {
  let s = NaN;
  return values.map((v) => (s = Number.isNaN(s) ? v : 0.8 * s + 0.2 * v));
}

export function chartsSvg(title: string, epochs: readonly EpochMetrics[], curve: TrainingCurve | null): string {
  const width = 920;
  const height = 320;
  const half = width / 2;
  const series = (metric: 'loss' | 'acc'): Series[] => {
    const out: Series[] = [];
    if (curve && curve.x.length > 0) {
      const ys = curve[metric];
      out.push({ name: 'train (batch)', color: COLORS.trainSmooth, width: 1, points: curve.x.map((x, i) => [x, ys[i]!]) });
      out.push({ name: 'train (smoothed)', color: COLORS.train, width: 2, points: smooth(ys).map((y, i) => [curve.x[i]!, y]) });
    } else {
      out.push({ name: 'train (epoch)', color: COLORS.train, width: 2, dots: true, points: epochs.map((e) => [e.epoch + 1, metric === 'loss' ? e.trainLoss : e.trainAcc]) });
    }
    out.push({ name: 'validation', color: COLORS.val, width: 2, dashed: true, dots: true, points: epochs.map((e) => [e.epoch + 1, metric === 'loss' ? e.valLoss : e.valAcc]) });
    return out;
  };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 24}" viewBox="0 0 ${width} ${height + 24}" font-family="system-ui, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<title>${escapeXml(title)}</title>`,
    `<g transform="translate(0 24)">`,
    panel('Loss (cross-entropy)', series('loss'), false, 0, half, height),
    panel('Accuracy', series('acc'), true, half, half, height),
    `</g>`,
    `<text x="12" y="18" font-size="14" font-weight="700">${escapeXml(title)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

/** Appends a batch point, halving the resolution (every other point) past `max` points. */
export function addCurvePoint(curve: TrainingCurve, x: number, loss: number, acc: number, max = 2000): void {
  curve.x.push(x);
  curve.loss.push(loss);
  curve.acc.push(acc);
  if (curve.x.length > max) {
    for (const k of ['x', 'loss', 'acc'] as const) curve[k] = curve[k].filter((_, i) => i % 2 === 1);
  }
}
