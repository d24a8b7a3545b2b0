/**
 * `tsx bench/datasets/drawnShapes.ts OUT [--train N] [--test N] [--seed S]`: writes a small
 * image-folder dataset of hand-drawn-looking shapes (OUT/train/<class>/*.png, OUT/test/<class>/…),
 * seeded, for the recipe and benchmark tables: a task unlike ImageNet and unlike digits. Every
 * image is 64×64: one outline (stroke 2–5 px, slightly wobbly) of a random size, position,
 * rotation and dark colour on a light, slightly noisy background.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { Rng } from '../../src/core/util/rng';

const SIZE = 64;
type Point = [number, number];

/** Outline of each class as a closed polyline (or several) in a unit frame around (0, 0). */
const SHAPES: Record<string, () => Point[][]> = {
  circle: () => [regular(48, 1, 0)],
  triangle: () => [regular(3, 1, -Math.PI / 2)],
  square: () => [regular(4, 1, Math.PI / 4)],
  pentagon: () => [regular(5, 1, -Math.PI / 2)],
  star: () => [star(5, 1, 0.42)],
  cross: () => [
    [
      [-1, 0],
      [1, 0],
    ],
    [
      [0, -1],
      [0, 1],
    ],
  ],
};

function regular(n: number, r: number, phase: number): Point[] {
  return Array.from({ length: n + 1 }, (_, i) => {
    const a = phase + (2 * Math.PI * i) / n;
    return [r * Math.cos(a), r * Math.sin(a)] as Point;
  });
}

function star(n: number, outer: number, inner: number): Point[] {
  return Array.from({ length: 2 * n + 1 }, (_, i) => {
    const a = -Math.PI / 2 + (Math.PI * i) / n;
    const r = i % 2 === 0 ? outer : inner;
    return [r * Math.cos(a), r * Math.sin(a)] as Point;
  });
}

function drawShape(name: string, rng: Rng): Buffer {
  const png = new PNG({ width: SIZE, height: SIZE });
  const bg = [225 + rng.int(30), 225 + rng.int(30), 225 + rng.int(30)];
  const ink = [rng.int(120), rng.int(120), rng.int(120)];
  const radius = 12 + rng.next() * 14;
  const cx = radius + 2 + rng.next() * (SIZE - 2 * radius - 4);
  const cy = radius + 2 + rng.next() * (SIZE - 2 * radius - 4);
  const angle = rng.next() * 2 * Math.PI;
  const half = (2 + rng.next() * 3) / 2;
  const wobble = 0.06 * radius;
  const segments: [Point, Point][] = [];
  for (const line of SHAPES[name]!()) {
    const pts = line.map(([x, y]): Point => {
      const rx = x * Math.cos(angle) - y * Math.sin(angle);
      const ry = x * Math.sin(angle) + y * Math.cos(angle);
      return [cx + radius * rx + wobble * rng.normal(), cy + radius * ry + wobble * rng.normal()];
    });
    for (let i = 1; i < pts.length; i++) segments.push([pts[i - 1]!, pts[i]!]);
  }
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const d = Math.min(...segments.map(([a, b]) => distanceToSegment([x + 0.5, y + 0.5], a, b)));
      // Antialiased stroke: full ink inside the half-width, a one-pixel ramp outside it.
      const cover = Math.max(0, Math.min(1, half + 0.5 - d));
      const o = 4 * (y * SIZE + x);
      for (let c = 0; c < 3; c++) {
        const noise = 3 * rng.normal();
        png.data[o + c] = Math.max(0, Math.min(255, Math.round(bg[c]! * (1 - cover) + ink[c]! * cover + noise)));
      }
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

function distanceToSegment([px, py]: Point, [ax, ay]: Point, [bx, by]: Point): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** Writes the dataset; returns the number of images per split. */
export function writeDrawnShapes(out: string, perClass: { train: number; test: number }, seed = 1): void {
  const rng = new Rng(seed);
  for (const split of ['train', 'test'] as const) {
    for (const name of Object.keys(SHAPES)) {
      const dir = join(out, split, name);
      mkdirSync(dir, { recursive: true });
      for (let i = 0; i < perClass[split]; i++) writeFileSync(join(dir, `${i}.png`), drawShape(name, rng));
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { train: { type: 'string', default: '200' }, test: { type: 'string', default: '100' }, seed: { type: 'string', default: '1' } },
  });
  const out = positionals[0];
  if (!out) throw new Error('usage: tsx bench/datasets/drawnShapes.ts OUT [--train N] [--test N] [--seed S]');
  writeDrawnShapes(out, { train: Number(values.train), test: Number(values.test) }, Number(values.seed));
  console.log(`drawn shapes: ${Object.keys(SHAPES).length} classes → ${out}`);
}
