import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { artifactsOf } from '../../../test/support/network/layersArtifacts';
import { parseClassNames } from './classNames';
import { cachingFetch, isModelCached, memoryCache, mirrored, removeModelFromCache } from './hubCache';
import { type FetchLike, loadModelArtifacts, modelFileUrls, parseModelJsonText, resolveShard } from './loadArtifacts';

/** A small layers model written as model.json + two shards, served from memory. */
async function smallModelFiles(): Promise<Map<string, ArrayBuffer | string>> {
  const input = tfl.input({ shape: [8, 8, 3] });
  const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv1' }).apply(input);
  const flat = tfl.layers.flatten({ name: 'flat' }).apply(conv);
  const head = tfl.layers.dense({ units: 3, name: 'head' }).apply(flat) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: head });
  const a = await artifactsOf(model);
  model.dispose();
  const specs = a.weightSpecs ?? [];
  const data = new Uint8Array(a.weightData as ArrayBuffer);
  const half = specs.slice(0, 2).reduce((n, s) => n + s.shape.reduce((x, y) => x * y, 1) * 4, 0);
  const json = {
    format: 'layers-model',
    modelTopology: a.modelTopology,
    weightsManifest: [
      { paths: ['group1-shard1of1.bin'], weights: specs.slice(0, 2) },
      { paths: ['group2-shard1of1.bin'], weights: specs.slice(2) },
    ],
  };
  return new Map<string, ArrayBuffer | string>([
    ['model.json', JSON.stringify(json)],
    ['group1-shard1of1.bin', data.slice(0, half).buffer],
    ['group2-shard1of1.bin', data.slice(half).buffer],
  ]);
}

/** A fetch over in-memory files under `base`, counting requests. */
function memoryFetch(base: string, files: Map<string, ArrayBuffer | string>, calls: string[] = []): FetchLike {
  return async (url) => {
    calls.push(url);
    const name = url.startsWith(base) ? url.slice(base.length).replace(/\?.*$/, '') : null;
    const v = name === null ? undefined : files.get(name);
    const bytes = typeof v === 'string' ? new TextEncoder().encode(v).buffer : v;
    if (!bytes) return { ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0), json: async () => null };
    return { ok: true, status: 200, arrayBuffer: async () => bytes, json: async () => JSON.parse(new TextDecoder().decode(bytes)) as unknown };
  };
}

const BASE = 'https://example.test/models/small/';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('loadModelArtifacts', () => {
  it('loads model.json and its shards, reporting progress up to the total', async () => {
    const files = await smallModelFiles();
    const progress: [number, number][] = [];
    const a = await loadModelArtifacts(`${BASE}model.json`, memoryFetch(BASE, files), (l, t) => progress.push([l, t]));
    const total = (a.weightData as ArrayBuffer).byteLength;
    expect(a.weightSpecs?.map((w) => w.name)).toEqual(['conv1/kernel', 'conv1/bias', 'head/kernel', 'head/bias']);
    expect(progress[0]).toEqual([0, total]);
    expect(progress.at(-1)).toEqual([total, total]);
    expect(a.format).toBe('layers-model');
  });

  it('says clearly when model.json is malformed', async () => {
    const files = await smallModelFiles();
    const load = (text: string) => loadModelArtifacts(`${BASE}model.json`, memoryFetch(BASE, new Map([...files, ['model.json', text]])));
    await expect(load('{"modelTopology": {')).rejects.toThrow(/is not valid JSON/);
    await expect(load('[1, 2]')).rejects.toThrow(/not a TensorFlow.js model.json/);
    await expect(load('{"weightsManifest": []}')).rejects.toThrow(/no "modelTopology" object/);
    await expect(load('{"modelTopology": {}}')).rejects.toThrow(/no "weightsManifest" list/);
    await expect(load('{"modelTopology": {}, "weightsManifest": [{"paths": "x.bin", "weights": []}]}')).rejects.toThrow(
      /weightsManifest\[0\]\.paths must be a list of weight file names/,
    );
    await expect(
      load('{"modelTopology": {}, "weightsManifest": [{"paths": ["x"], "weights": [{"name": "w", "shape": [2, -1], "dtype": "float32"}]}]}'),
    ).rejects.toThrow(/"w"\) has an invalid shape \[2,-1\]/);
    await expect(
      load('{"modelTopology": {}, "weightsManifest": [{"paths": ["x"], "weights": [{"name": "w", "shape": [2], "dtype": "complex128"}]}]}'),
    ).rejects.toThrow(/unsupported dtype "complex128"/);
  });

  it('names a missing shard', async () => {
    const files = await smallModelFiles();
    files.delete('group2-shard1of1.bin');
    await expect(loadModelArtifacts(`${BASE}model.json`, memoryFetch(BASE, files))).rejects.toThrow(
      'Weight file group2-shard1of1.bin is missing (HTTP 404 at https://example.test/models/small/group2-shard1of1.bin). Provide every file model.json lists.',
    );
  });

  it('refuses shards whose size does not match the shapes model.json declares', async () => {
    const files = await smallModelFiles();
    const json = JSON.parse(files.get('model.json') as string) as { weightsManifest: { weights: { shape: number[] }[] }[] };
    (json.weightsManifest[1] as { weights: { shape: number[] }[] }).weights[0]!.shape = [48, 5]; // head/kernel is 256×3
    files.set('model.json', JSON.stringify(json));
    await expect(loadModelArtifacts(`${BASE}model.json`, memoryFetch(BASE, files))).rejects.toThrow(
      /group2-shard1of1\.bin holds 3084 bytes but model\.json describes 972 for them: a file is truncated or belongs to another model/,
    );
  });

  it('refuses a model over the size limit before downloading a shard', async () => {
    const files = await smallModelFiles();
    const calls: string[] = [];
    await expect(loadModelArtifacts(`${BASE}model.json`, memoryFetch(BASE, files, calls), undefined, { maxBytes: 100 })).rejects.toThrow(
      /holds at most 0 MB in memory/,
    );
    expect(calls).toEqual([`${BASE}model.json`]);
  });

  it('resolves shards next to model.json and keeps its query string (TF-Hub)', () => {
    expect(resolveShard('https://tfhub.dev/google/x/classification/2/model.json?tfjs-format=file', 'group1-shard1of4')).toBe(
      'https://tfhub.dev/google/x/classification/2/group1-shard1of4?tfjs-format=file',
    );
    expect(resolveShard('https://a.test/m/model.json', 'w/g1.bin')).toBe('https://a.test/m/w/g1.bin');
    expect(resolveShard('https://a.test/m/model.json', 'https://b.test/g1.bin')).toBe('https://b.test/g1.bin');
    const json = parseModelJsonText('{"modelTopology": {}, "weightsManifest": [{"paths": ["a", "b"], "weights": []}]}');
    expect(modelFileUrls('https://a.test/m/model.json', json)).toEqual(['https://a.test/m/model.json', 'https://a.test/m/a', 'https://a.test/m/b']);
  });
});

describe('hub cache and mirror', () => {
  it('rewrites the longest matching prefix and leaves other URLs alone', () => {
    const mirror = { 'https://cdn.test/': 'file:///a/', 'https://cdn.test/models/': 'file:///b/' };
    expect(mirrored('https://cdn.test/models/x/model.json', mirror)).toBe('file:///b/x/model.json');
    expect(mirrored('https://cdn.test/other.js', mirror)).toBe('file:///a/other.js');
    expect(mirrored('https://else.test/x', mirror)).toBe('https://else.test/x');
    expect(mirrored('https://else.test/x', null)).toBe('https://else.test/x');
  });

  it('downloads once through the mirror, then serves every file from the cache offline', async () => {
    const files = await smallModelFiles();
    const calls: string[] = [];
    const local = 'memory://copy/';
    const cache = memoryCache();
    const online = cachingFetch(memoryFetch(local, files, calls), cache, { [BASE]: local });
    const url = `${BASE}model.json`;
    expect(await isModelCached(url, cache)).toBe(false);
    const first = await loadModelArtifacts(url, online);
    expect(calls).toEqual([`${local}model.json`, `${local}group1-shard1of1.bin`, `${local}group2-shard1of1.bin`]);
    expect(cache.keys().sort()).toEqual([url, `${BASE}group1-shard1of1.bin`, `${BASE}group2-shard1of1.bin`].sort());
    expect(await isModelCached(url, cache)).toBe(true);

    const offline = cachingFetch(async () => {
      throw new Error('offline');
    }, cache);
    const second = await loadModelArtifacts(url, offline);
    expect(new Uint8Array(second.weightData as ArrayBuffer)).toEqual(new Uint8Array(first.weightData as ArrayBuffer));

    await cache.delete(`${BASE}group2-shard1of1.bin`);
    expect(await isModelCached(url, cache)).toBe(false);
    await removeModelFromCache(url, cache);
    expect(cache.size).toBe(0);
    await expect(loadModelArtifacts(url, offline)).rejects.toThrow(/Could not fetch .*model\.json: offline/);
  });
});

describe('parseClassNames', () => {
  it('reads a JSON array and a JS module with an array literal', () => {
    expect(parseClassNames('["kit fox", "English setter"]', 'x')).toEqual(['kit fox', 'English setter']);
    const js = `// Copyright\n/* eslint-disable */\nexport default [\n    "kit fox",\n    "yellow lady's slipper",\n    'it\\'s',\n    "a \\"b\\"",\n    \n]`;
    expect(parseClassNames(js, 'x')).toEqual(['kit fox', "yellow lady's slipper", "it's", 'a "b"']);
    expect(() => parseClassNames('{"a": 1}', 'names.json')).toThrow('names.json holds no list of class names.');
    expect(() => parseClassNames('[1, 2]', 'n.js')).toThrow(/unexpected "1"/);
  });
});
