/**
 * Test data for the CLI: small ImageFolder trees of PNG and JPEG files (pngjs / jpeg-js) whose
 * classes differ clearly in colour and pattern, in both layouts (DIR/<class>/… and
 * DIR/train|test/<class>/…). Deterministic for a seed.
 */
import jpeg from 'jpeg-js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { Rng } from '../../src/core/util/rng';

export type Painter = (x: number, y: number, rng: Rng) => [number, number, number];

/** Three easy classes: a red field, green horizontal stripes, a blue/white checkerboard. */
const EASY_CLASSES: Record<string, Painter> = {
  red: (_x, _y, rng) => [200 + rng.int(55), rng.int(60), rng.int(60)],
  stripes: (_x, y, rng) =>
    Math.floor(y / 6) % 2 ? [20 + rng.int(40), 180 + rng.int(60), 20 + rng.int(40)] : [240, 240, 240],
  checker: (x, y, rng) =>
    (Math.floor(x / 8) + Math.floor(y / 8)) % 2
      ? [20 + rng.int(30), 40 + rng.int(30), 200 + rng.int(55)]
      : [250, 250, 250],
};

export function pngBytes(width: number, height: number, paint: Painter, rng: Rng, alpha = 255): Uint8Array {
  const p = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) p.data.set([...paint(x, y, rng), alpha], (y * width + x) * 4);
  return new Uint8Array(PNG.sync.write(p));
}

export function jpegBytes(width: number, height: number, paint: Painter, rng: Rng, quality = 90): Uint8Array {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set([...paint(x, y, rng), 255], (y * width + x) * 4);
  return new Uint8Array(jpeg.encode({ data, width, height }, quality).data);
}

/**
 * Writes `perClass` images of every class into dir/<class>/ (PNG and JPEG alternating, a few
 * non-square, a few small). Returns the file paths written.
 */
export function writeClassFolders(
  dir: string,
  perClass: number,
  seed = 1,
  classes: Record<string, Painter> = EASY_CLASSES,
): string[] {
  const rng = new Rng(seed);
  const written: string[] = [];
  for (const [name, paint] of Object.entries(classes)) {
    mkdirSync(join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const w = i % 3 === 2 ? 72 : 48;
      const h = 48;
      const path = join(dir, name, `${name}-${i}.${i % 2 ? 'jpg' : 'png'}`);
      writeFileSync(path, i % 2 ? jpegBytes(w, h, paint, rng) : pngBytes(w, h, paint, rng));
      written.push(path);
    }
  }
  return written;
}

/** DIR/train/<class>/ with `train` images and DIR/test/<class>/ with `test` images per class. */
export function writeTrainTest(dir: string, train: number, test: number, seed = 1): void {
  writeClassFolders(join(dir, 'train'), train, seed);
  writeClassFolders(join(dir, 'test'), test, seed + 1000);
}
