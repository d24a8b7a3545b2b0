import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { toArrayBuffer } from '../arrayBuffer';

export type NsfwjsModel = 'mobilenet_v2' | 'mobilenet_v2_mid' | 'inception_v3';

/**
 * The model artifacts nsfwjs bundles as browserify modules (model.min.js gives
 * {modelTopology, weightsManifest}; each group1-shardNofM.min.js a base64 weight shard).
 */
export function nsfwjsArtifacts(model: NsfwjsModel): tf.io.ModelArtifacts {
  const require = createRequire(import.meta.url);
  // The package's "exports" hide dist/models, so the folder is found from the package entry.
  const entry = require.resolve('nsfwjs');
  const dir = join(entry.slice(0, entry.lastIndexOf(`${sep}dist${sep}`)), 'dist', 'models', model);
  const json = require(join(dir, 'model.min.js')) as {
    modelTopology: object;
    weightsManifest: tf.io.WeightsManifestConfig;
    format?: string;
  };
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: json.weightsManifest
      .flatMap((group) => group.paths)
      .map((p) => toArrayBuffer(Buffer.from(require(join(dir, `${p}.min.js`)) as string, 'base64'))),
  };
}
