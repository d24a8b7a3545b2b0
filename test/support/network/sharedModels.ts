import type * as tf from '@tensorflow/tfjs-core';
import { type NodeFs, type NodePath, type NodeUrl, nodeBuiltin, toArrayBuffer } from './nodeBuiltins';

const fs = (): NodeFs => nodeBuiltin<NodeFs>('node:fs');
const path = (): NodePath => nodeBuiltin<NodePath>('node:path');

/** ../shared next to the project root: read-only models for tests and benchmarks (absent on some machines). */
export function sharedDir(): string {
  const here = path().dirname(nodeBuiltin<NodeUrl>('node:url').fileURLToPath(import.meta.url));
  return path().resolve(here, '../../..', '../shared');
}

export function darknetTinyDir(): string {
  return path().join(sharedDir(), 'models', 'darknet-tiny');
}

export function hasDarknetTiny(): boolean {
  return fs().existsSync(path().join(darknetTinyDir(), 'model.json'));
}

/** Node-only: model.json + its weight shards from a folder, as tfjs model artifacts. */
export function artifactsFromFolder(dir: string): tf.io.ModelArtifacts {
  const json = JSON.parse(fs().readFileSync(path().join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: tf.io.WeightsManifestConfig;
    format?: string;
  };
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: json.weightsManifest.flatMap((group) => group.paths)
      .map((p) => toArrayBuffer(fs().readFileSync(path().join(dir, p)))),
  };
}
