import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { findModel } from '../../../models';
import { DEFAULT_DESIGN } from '../config';
import type { ImageSet } from '../data/imageSet';
import { darknetTinyDir, hasDarknetTiny } from '../network/testing/sharedModels';
import { trainVisualPrompt } from '../train/trainer';
import { VisualPromptModel } from '../train/visualPromptModel';
import { loadClassNames } from './classNames';
import { cachingFetch, isModelCached, memoryCache } from './hubCache';
import { type FetchLike, loadModelArtifacts } from './loadArtifacts';
import type { ClassNamesRef, ModelManifest } from './manifest';
import { createSourceModel } from './sourceModel';
import { type FileFetchLog, fileFetch, folderUrl } from './testing/nodeFetch';

/**
 * darknet-tiny through the same loader the app uses for hub models, with its public URLs
 * mirrored to the local copy in ../shared (nothing here touches the network).
 */
const manifest = findModel('darknet-tiny') as ModelManifest;
const modelUrl = (manifest.weights as { url: string }).url;
const classes = manifest.sourceClasses as ClassNamesRef;
const mirror = {
  [modelUrl.slice(0, modelUrl.lastIndexOf('/') + 1)]: folderUrl(darknetTinyDir()),
  [classes.url]: folderUrl(darknetTinyDir()) + 'classes.json',
};

/** The baboon (mandrill) test photograph, 128×128 RGB, from the baboon-image-uri package. */
function baboon(): { width: number; height: number; rgb: Uint8Array } {
  const uri = createRequire(import.meta.url)('baboon-image-uri') as string;
  const png = PNG.sync.read(Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64'));
  const rgb = new Uint8Array(png.width * png.height * 3);
  for (let i = 0; i < png.width * png.height; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = png.data[i * 4 + c] as number;
  return { width: png.width, height: png.height, rgb };
}

/**
 * The photo as the model sees it, whole and mirrored. (The only real photograph available offline;
 * darknet-tiny is a small model and its guesses on crops of a 128-pixel image wander off.)
 */
function views(): { name: string; image: tf.Tensor4D }[] {
  const { width, height, rgb } = baboon();
  return tf.tidy(() => {
    const x = tf.div(tf.tensor4d(Float32Array.from(rgb), [1, height, width, 3]), 255) as tf.Tensor4D;
    const at224 = (t: tf.Tensor4D) => tf.image.resizeBilinear(t, [224, 224]) as tf.Tensor4D;
    return [
      { name: 'whole', image: tf.keep(at224(x)) },
      { name: 'mirrored', image: tf.keep(at224(tf.reverse(x, 2) as tf.Tensor4D)) },
    ];
  });
}

const PRIMATES = /baboon|mandrill|macaque|patas|guenon|langur|proboscis monkey|colobus|capuchin|chimpanzee|gorilla|orangutan|siamang|gibbon|titi|spider monkey|squirrel monkey|howler monkey|marmoset|indri|Madagascar cat/;

describe.skipIf(!hasDarknetTiny())(`darknet-tiny from the hub loader, mirrored to ${darknetTinyDir()}`, () => {
  let names: string[];
  let artifacts: tf.io.ModelArtifacts;
  const log: FileFetchLog = { urls: [] };
  const cache = memoryCache();

  beforeAll(async () => {
    await tf.setBackend('wasm');
    const online: FetchLike = cachingFetch(fileFetch(log), cache, mirror);
    artifacts = await loadModelArtifacts(modelUrl, online);
    names = await loadClassNames(classes, classes.url, online);
  });

  it('fetches model.json, every shard and the class names once, through the mirror, into the cache', async () => {
    expect(log.urls.every((u) => u.startsWith('file://'))).toBe(true);
    expect(log.urls).toHaveLength(1 + 31 + 1);
    expect(log.urls[0]).toBe(join(folderUrl(darknetTinyDir()), 'model.json').replace('file:/', 'file:///'));
    expect(await isModelCached(modelUrl, cache, [classes.url])).toBe(true);
    const offline = cachingFetch(async (u) => {
      throw new Error(`offline: ${u}`);
    }, cache);
    const again = await loadModelArtifacts(modelUrl, offline);
    expect((again.weightData as ArrayBuffer).byteLength).toBe(manifest.sizeBytes);
    expect(await loadClassNames(classes, classes.url, offline)).toEqual(names);
  });

  it("has 1000 class names in Darknet's own order", () => {
    expect(names).toHaveLength(1000);
    expect(names.slice(0, 3)).toEqual(['kit fox', 'English setter', 'Siberian husky']);
    expect(names.indexOf('tench')).toBeGreaterThan(0);
  });

  it('gives sensible top-5 classes on a real photograph (a primate for the baboon test image)', async () => {
    const source = createSourceModel(manifest, artifacts);
    const primateClasses = names.filter((n) => PRIMATES.test(n)).length;
    try {
      for (const view of views()) {
        const [atUnit, atSymmetric] = await Promise.all(
          [view.image, tf.sub(tf.mul(view.image, 2), 1)].map(async (x) => {
            const probs = tf.tidy(() => tf.softmax(source.network.apply(x as tf.Tensor4D, [manifest.sourceOutput])[0] as tf.Tensor2D));
            const p = await probs.data();
            probs.dispose();
            if (x !== view.image) x.dispose();
            return p;
          }),
        );
        view.image.dispose();
        const p = atUnit as Float32Array;
        const top5 = [...p].map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 5).map(([, i]) => names[i] as string);
        const primateMass = (q: Float32Array) => q.reduce((s, v, i) => s + (PRIMATES.test(names[i] as string) ? v : 0), 0);
        const seen = `${view.name}: top-5 ${top5.join(', ')}; primate probability ${primateMass(p).toFixed(3)}`;
        // In Darknet's class order a primate is among the top 5 (whole photo: guenon) and primates
        // hold several times their share of the 1000 classes; the same photo in [-1, 1] does not.
        expect(top5.some((n) => PRIMATES.test(n)), seen).toBe(true);
        expect(primateMass(p), seen).toBeGreaterThan((5 * primateClasses) / 1000);
        expect(primateMass(p), seen).toBeGreaterThan(2 * primateMass(atSymmetric as Float32Array));
      }
    } finally {
      source.network.dispose();
    }
  });

  it('trains a visual prompt for one step', async () => {
    const source = createSourceModel(manifest, artifacts);
    const { width, height, rgb } = baboon();
    const set: ImageSet = {
      height,
      width,
      channels: 3,
      pixels: Uint8Array.from({ length: rgb.length * 4 }, (_, i) => (i < rgb.length * 2 ? rgb[i % rgb.length] : 255 - (rgb[i % rgb.length] as number)) as number),
      labels: Int32Array.from([0, 0, 1, 1]),
    };
    const design = { ...DEFAULT_DESIGN, labelMapping: 'freq' as const, k: 1, epochs: 1, batchSize: 4, schedule: 'constant' as const };
    const model = new VisualPromptModel(source, design, 2);
    const all = { set, indices: Int32Array.from([0, 1, 2, 3]) };
    const result = await trainVisualPrompt(model, all, all);
    expect(result.steps).toBe(1);
    expect(Number.isFinite(result.epochs[0]?.trainLoss)).toBe(true);
    model.dispose();
    source.network.dispose();
  });
});
