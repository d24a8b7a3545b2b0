/**
 * Builds src/cli/main.ts into one Node ES module, node_modules/.cache/autovp-cli/autovp.mjs
 * (a build cache: ignored by git and the linters, rebuilt after `npm ci`), with Vite's SSR build
 * (every dependency bundled, so the engine's deep tfjs import
 * '@tensorflow/tfjs-core/dist/register_all_gradients', which plain Node cannot load, resolves
 * the way it does in the app). build-info.json beside it lists the project files that went into
 * the bundle with their sizes and times; the bundle is rebuilt when one of them (or
 * package-lock.json) changes. `node cli/build.mjs` (npm run build:cli) builds it unconditionally.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** The project root: the folder above cli/. */
export function projectRoot() {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..');
}

const FORMAT = 1;

/** Where the bundle is written. */
export const outDir = (root) => join(root, 'node_modules', '.cache', 'autovp-cli');

async function fileStamp(path) {
  const s = await stat(path).catch(() => null);
  return s ? { size: s.size, mtimeMs: Math.round(s.mtimeMs) } : null;
}

/** True when the bundle exists and none of its recorded inputs changed. */
async function isCurrent(root, dist) {
  let info;
  try {
    info = JSON.parse(await readFile(join(dist, 'build-info.json'), 'utf8'));
  } catch {
    return false;
  }
  if (info.format !== FORMAT || !(await fileStamp(join(dist, info.bundle ?? 'autovp.mjs')))) return false;
  for (const [rel, want] of Object.entries(info.inputs ?? {})) {
    const have = await fileStamp(join(root, rel));
    if (!have || have.size !== want.size || have.mtimeMs !== want.mtimeMs) return false;
  }
  return true;
}

async function writeAtomic(path, data) {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** Builds the bundle now; returns its path. */
export async function buildCli(root = projectRoot()) {
  const dist = outDir(root);
  const { build } = await import('vite');
  const result = await build({
    configFile: false,
    root,
    logLevel: 'warn',
    publicDir: false,
    build: {
      ssr: join(root, 'src', 'cli', 'main.ts'),
      outDir: dist,
      write: false,
      emptyOutDir: false,
      target: 'node20',
      minify: false,
      sourcemap: true,
      reportCompressedSize: false,
      rollupOptions: {
        output: {
          format: 'es',
          entryFileNames: 'autovp.mjs',
          codeSplitting: false,
          // CommonJS code in the bundle (tfjs-backend-wasm's emscripten loader) reads these free variables.
          banner:
            "import { fileURLToPath as __autovpPath } from 'node:url'; var __filename = __autovpPath(import.meta.url); var __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
        },
      },
    },
    // Bundle everything: one tfjs-core instance for the engine and the wasm backend alike.
    ssr: { target: 'node', noExternal: true },
  });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output);
  const chunk = outputs.find((o) => o.type === 'chunk' && o.isEntry);
  if (!chunk) throw new Error('the Vite build produced no entry chunk');
  await mkdir(dist, { recursive: true });
  for (const o of outputs) await writeAtomic(join(dist, o.fileName), o.type === 'chunk' ? o.code : o.source);
  // The project's own files in the bundle (node_modules is covered by package-lock.json).
  const inputs = {};
  const files = [
    ...chunk.moduleIds
      .filter((id) => id.startsWith(root + sep) && !id.includes(`${sep}node_modules${sep}`))
      .map((id) => id.replace(/[?#].*$/, '')),
    join(root, 'package-lock.json'),
    fileURLToPath(import.meta.url),
  ];
  for (const file of files) {
    const s = await fileStamp(file);
    if (s) inputs[relative(root, file).split(sep).join('/')] = s;
  }
  await writeAtomic(
    join(dist, 'build-info.json'),
    `${JSON.stringify({ format: FORMAT, bundle: chunk.fileName, builtAt: new Date().toISOString(), inputs }, null, 1)}\n`,
  );
  return join(dist, chunk.fileName);
}

/** The bundle's path, building it first when it is missing or out of date. */
export async function ensureBuilt(root = projectRoot(), { log = () => {}, force = false } = {}) {
  const dist = outDir(root);
  if (!force && (await isCurrent(root, dist))) return join(dist, 'autovp.mjs');
  log('autovp: building the command line from src/cli (first run, or its sources changed)…');
  return buildCli(root);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const path = await buildCli();
  process.stdout.write(`Built ${relative(process.cwd(), path)} in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
}
