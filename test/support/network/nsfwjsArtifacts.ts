import type * as tf from '@tensorflow/tfjs-core';
import { type NodeBuffer, type NodeModule, type NodePath, nodeBuiltin, toArrayBuffer } from './nodeBuiltins';

export type NsfwjsModel = 'mobilenet_v2' | 'mobilenet_v2_mid' | 'inception_v3';

/**
 * Node-only: the model artifacts nsfwjs bundles as browserify modules (model.min.js gives
 * {modelTopology, weightsManifest}; each group1-shardNofM.min.js a base64 weight shard).
 */
export function nsfwjsArtifacts(model: NsfwjsModel): tf.io.ModelArtifacts {
  const path = nodeBuiltin<NodePath>('node:path');
  const require = nodeBuiltin<NodeModule>('node:module').createRequire(import.meta.url);
  const { Buffer } = nodeBuiltin<NodeBuffer>('node:buffer');
  // The package's "exports" hide dist/models, so the folder is found from the package entry.
  const entry = require.resolve('nsfwjs');
  const dir = path.join(entry.slice(0, entry.lastIndexOf(`${path.sep}dist${path.sep}`)), 'dist', 'models', model);
  const json = require(path.join(dir, 'model.min.js')) as {
    modelTopology: object;
    weightsManifest: tf.io.WeightsManifestConfig;
    format?: string;
  };
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: json.weightsManifest.flatMap((group) => group.paths)
      .map((p) => toArrayBuffer(Buffer.from(require(path.join(dir, `${p}.min.js`)) as string, 'base64'))),
  };
}
