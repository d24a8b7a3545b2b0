import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs-core';
import { toArrayBuffer } from '../arrayBuffer';

/** ../shared next to the project root: read-only models for tests and benchmarks (absent on some machines). */
export function sharedDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../..', '../shared');
}

export function darknetTinyDir(): string {
  return join(sharedDir(), 'models', 'darknet-tiny');
}

export function hasDarknetTiny(): boolean {
  return existsSync(join(darknetTinyDir(), 'model.json'));
}

/** model.json + its weight shards from a folder, as tfjs model artifacts. */
export function artifactsFromFolder(dir: string): tf.io.ModelArtifacts {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: tf.io.WeightsManifestConfig;
    format?: string;
  };
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: json.weightsManifest.flatMap((group) => group.paths).map((p) => toArrayBuffer(readFileSync(join(dir, p)))),
  };
}
