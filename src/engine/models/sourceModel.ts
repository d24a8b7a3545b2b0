import type * as tf from '@tensorflow/tfjs-core';
import { buildFrozenNetwork } from '../network';
import type { SourceModel } from '../train/visualPromptModel';
import type { ModelManifest } from './manifest';

/**
 * Turn loaded weights into the source model of visual prompting, checking that the tensors the
 * manifest names exist and that the input size agrees.
 */
export function createSourceModel(manifest: ModelManifest, artifacts: tf.io.ModelArtifacts): SourceModel {
  // The manifest fixes the size: models that leave their input open run at it.
  const network = buildFrozenNetwork(artifacts, { inputSize: [manifest.inputSize, manifest.inputSize] });
  try {
    const find = (name: string, role: string) => {
      const t = network.tensors.find((x) => x.name === name);
      if (!t) {
        const candidates = network.tensors.slice(-6).map((x) => `${x.name} [${x.shape.join('×')}]`);
        throw new Error(
          `${manifest.name}: the ${role} tensor "${name}" does not exist in this model. ` +
            `Its last tensors are: ${candidates.join(', ')}.`,
        );
      }
      return t;
    };
    const logits = find(manifest.sourceOutput, 'source-output');
    find(manifest.featureOutput, 'feature');
    const [h, w] = network.inputShape;
    if (h !== manifest.inputSize || w !== manifest.inputSize) {
      throw new Error(`${manifest.name}: the network takes ${h}×${w} inputs but its manifest says ${manifest.inputSize}.`);
    }
    return {
      network,
      input: {
        canvas: manifest.inputSize,
        valueRange: manifest.valueRange,
        ...(manifest.normalization ?? {}),
      },
      sourceOutput: manifest.sourceOutput,
      featureOutput: manifest.featureOutput,
      numSource: logits.shape.reduce((a, b) => a * b, 1),
    };
  } catch (e) {
    network.dispose();
    throw e;
  }
}
