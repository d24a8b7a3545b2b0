import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageSet } from '../../../core/data/imageSet';
import { DEFAULT_DESIGN } from '../../../core/design/schema';
import { projectRoot } from '../../../../test/support/nodeFetch';
import { evaluate } from '../../train/evaluate';
import { trainVisualPrompt } from '../../train/trainer';
import { VisualPromptModel } from '../../train/visualPromptModel';
import { memoryCache } from '../hubCache';
import type { FetchLike } from '../loadArtifacts';
import { buildClipCheckpoint } from './clipCheckpoint';
import { CLIP_VIT_B32_REPO, clipHubUrls, downloadClipFiles, isClipCached } from './clipHub';
import { CLIP_OUTPUTS, createClipSourceModel } from './clipSource';
import { zeroShotEvaluation } from './zeroShot';

/**
 * The tiny CLIP fixture served over local HTTP at hub-shaped paths (/<repo>/resolve/main/<file>),
 * read through the same downloader the app and the CLI use for huggingface.co, with the public
 * URLs mirrored to the local server. Runs on the WASM backend, as in Node and the browser.
 */
const FIXTURE = join(projectRoot(), 'test', 'fixtures', 'tiny-clip');
const REPO = 'test-owner/tiny-clip';
const FILES = ['config.json', 'model.safetensors', 'tokenizer.json'];
const TOTAL = FILES.reduce((n, f) => n + readFileSync(join(FIXTURE, f)).byteLength, 0);

describe('CLIP from the hub (local HTTP at hub-shaped URLs)', () => {
  let server: Server;
  let mirror: Record<string, string>;
  const requests: string[] = [];
  const online: FetchLike = (url) => fetch(url);
  const offline: FetchLike = async (url) => {
    throw new Error(`getaddrinfo ENOTFOUND (${url})`);
  };

  beforeAll(async () => {
    await tf.setBackend('wasm');
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const m = /^\/([^/]+\/[^/]+)\/resolve\/main\/([^/?]+)$/.exec(req.url ?? '');
      if (!m || m[1] !== REPO || !FILES.includes(m[2] as string)) {
        res.writeHead(404, { connection: 'close' }).end('Entry not found');
        return;
      }
      const bytes = readFileSync(join(FIXTURE, m[2] as string));
      // One connection per request: a reused keep-alive socket has failed fetches here under load.
      res.writeHead(200, { 'content-length': bytes.byteLength, connection: 'close' });
      // In pieces, so that progress moves inside a file.
      for (let i = 0; i < bytes.byteLength; i += 64 * 1024) res.write(bytes.subarray(i, i + 64 * 1024));
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    mirror = { 'https://huggingface.co/': `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('has the public URLs of the hub layout', () => {
    expect(clipHubUrls(CLIP_VIT_B32_REPO)).toEqual({
      config: 'https://huggingface.co/openai/clip-vit-base-patch32/resolve/main/config.json',
      weights: 'https://huggingface.co/openai/clip-vit-base-patch32/resolve/main/model.safetensors',
      tokenizer: 'https://huggingface.co/openai/clip-vit-base-patch32/resolve/main/tokenizer.json',
    });
    expect(() => clipHubUrls('not a repo')).toThrow(/owner\/name/);
  });

  it('downloads once with progress, then loads offline from the cache with the same outputs', async () => {
    const cache = memoryCache();
    const urls = clipHubUrls(REPO);
    const seen: [number, number][] = [];
    const files = await downloadClipFiles(urls, online, { cache, mirror, onProgress: (l, t) => seen.push([l, t]), expectedBytes: TOTAL });
    expect(requests.filter((r) => r.startsWith(`/${REPO}/`))).toHaveLength(3);
    expect(await isClipCached(urls, cache)).toBe(true);
    expect(cache.keys().sort()).toEqual(Object.values(urls).sort()); // keyed by public URL
    // Progress rises to the total, with steps inside the weights file (served in 64 KiB pieces).
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.every(([l], i) => i === 0 || l >= (seen[i - 1] as [number, number])[0])).toBe(true);
    expect(seen[seen.length - 1]).toEqual([TOTAL, TOTAL]);

    const again = await downloadClipFiles(urls, offline, { cache, mirror });
    expect(again.weights).toEqual(files.weights);

    const images = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const outputs = await Promise.all([files, again].map(async (f) => {
      const { model, tokenizer } = buildClipCheckpoint(f);
      const source = createClipSourceModel(model, tokenizer, ['cat', 'dog']);
      const [logits] = source.network.apply(images, [CLIP_OUTPUTS.logits]);
      const values = await (logits as tf.Tensor).data();
      tf.dispose(logits);
      source.network.dispose(); // frees CLIP too (the source model owns it by default)
      return values;
    }));
    expect(outputs[1]).toEqual(outputs[0]);
    images.dispose();
  });

  it('offline with nothing cached: names the URL and says what to do', async () => {
    const urls = clipHubUrls(REPO);
    const failure = downloadClipFiles(urls, offline, { cache: memoryCache(), mirror });
    await expect(failure).rejects.toThrow(
      /^Cannot download https:\/\/huggingface\.co\/test-owner\/tiny-clip\/resolve\/main\/config\.json .*connect to the internet once and load the model again\.$/,
    );
    const withFolder = downloadClipFiles(urls, offline, { cache: memoryCache(), mirror, otherwise: 'or use a folder' });
    await expect(withFolder).rejects.toThrow(/load the model again, or use a folder\.$/);
  });

  it('a repository without the files: HTTP 404 with the URL', async () => {
    await expect(downloadClipFiles(clipHubUrls('test-owner/missing'), online, { cache: null, mirror })).rejects.toThrow(
      /https:\/\/huggingface\.co\/test-owner\/missing\/resolve\/main\/config\.json failed with HTTP 404/,
    );
  });

  it('on WASM: zero-shot accuracy, and a prompt trained from it (FullyMap from the identity) beats it on its training images', async () => {
    const files = await downloadClipFiles(clipHubUrls(REPO), online, { cache: null, mirror });
    const { model, tokenizer } = buildClipCheckpoint(files);
    const classes = ['cat', 'dog', 'bird'];
    const source = createClipSourceModel(model, tokenizer, classes);
    // Nine 32×32 images, three plain colours by class with a little noise: easy to tell apart.
    const n = 9;
    const size = 32;
    const pixels = new Uint8Array(n * size * size * 3);
    const colours = [[220, 40, 40], [40, 200, 60], [50, 60, 230]];
    let seed = 1;
    const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 41) - 20;
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < size * size; p++) {
        for (let c = 0; c < 3; c++) pixels[(i * size * size + p) * 3 + c] = Math.max(0, Math.min(255, (colours[i % 3] as number[])[c] as number + noise()));
      }
    }
    const set: ImageSet = { height: size, width: size, channels: 3, pixels, labels: Int32Array.from({ length: n }, (_, i) => i % 3) };
    const all = { set, indices: Int32Array.from({ length: n }, (_, i) => i) };
    try {
      const zeroShot = await zeroShotEvaluation(source, all, classes.length, 4);
      expect(zeroShot.count).toBe(n);
      const design = {
        ...DEFAULT_DESIGN, baseSize: size, inputScale: 1, trainableResize: false, prompt: 'pad' as const,
        promptActivation: 'identity' as const, labelMapping: 'fully' as const, identityInit: true,
        optimizer: 'adam' as const, learningRate: 0.05, schedule: 'constant' as const, epochs: 15, batchSize: 9,
      };
      const vp = new VisualPromptModel(source, design, classes.length);
      const result = await trainVisualPrompt(vp, all, all);
      const after = await evaluate(vp, all, 9);
      vp.dispose();
      expect(Number.isFinite(result.epochs.at(-1)?.trainLoss)).toBe(true);
      expect(after.accuracy, `zero-shot ${zeroShot.accuracy}, trained ${after.accuracy}`).toBeGreaterThan(zeroShot.accuracy);
      expect(result.epochs.at(-1)?.trainLoss as number).toBeLessThan(result.epochs[0]?.trainLoss as number);
    } finally {
      source.network.dispose();
    }
  }, 120_000);
});
