import * as tf from '@tensorflow/tfjs-core';
import type { FrozenNetwork } from '../../../src/engine/network/types';
import { joinPath, readExchange, removeDir, runPython, type Tensor, tempDir, writeExchange } from './support';

/**
 * Runs a frozen network in the engine and its PyTorch twin (python/scripts/parity_network.py,
 * rebuilt from the same model.json by python/autovp/tfjs_to_torch.py) on the same input.
 */
export interface TwinRun {
  /** Engine outputs (Keras layout), by name. */
  engine: Record<string, Float32Array>;
  /** PyTorch outputs (Keras layout), by name. */
  torch: Record<string, Tensor>;
  /** ∂ Σ(w ⊙ gradOutput) / ∂ input from both sides, when asked for. */
  engineGrad?: Float32Array;
  torchGrad?: Float32Array;
  torchSeconds: number;
}

export interface TwinOptions {
  outputs: string[];
  /** Also compare the input gradient of Σ(w ⊙ this output), w seeded normal. */
  gradOutput?: string;
  seed?: number;
}

export async function runTwins(
  network: FrozenNetwork, modelDir: string, images: Float32Array, shape: [number, number, number, number], options: TwinOptions,
): Promise<TwinRun> {
  const dir = tempDir('net');
  try {
    const tensors: Record<string, Tensor> = { images: { data: images, shape } };
    let weights: tf.Tensor | undefined;
    if (options.gradOutput) {
      const outShape = network.tensors.find((t) => t.name === options.gradOutput)?.shape;
      if (!outShape) throw new Error(`no tensor ${options.gradOutput}`);
      weights = tf.randomNormal([shape[0], ...outShape], 0, 1, 'float32', options.seed ?? 5);
      tensors.grad_weights = { data: (await weights.data()) as Float32Array, shape: weights.shape };
    }
    writeExchange(joinPath(dir, 'in'), tensors, {
      model_dir: modelDir, outputs: options.outputs, grad_output: options.gradOutput ?? null, dtype: 'float32',
    });
    runPython('parity_network.py', [dir]);
    const out = readExchange(joinPath(dir, 'out'));

    const x = tf.tensor4d(images, shape);
    const engine: Record<string, Float32Array> = {};
    const values = network.apply(x, options.outputs);
    for (let i = 0; i < options.outputs.length; i++) {
      const v = values[i] as tf.Tensor;
      engine[options.outputs[i] as string] = (await v.data()) as Float32Array;
    }
    tf.dispose(values);
    let engineGrad: Float32Array | undefined;
    if (options.gradOutput && weights) {
      const name = options.gradOutput;
      const w = weights;
      const grad = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(network.apply(input as tf.Tensor4D, [name])[0] as tf.Tensor, w)))(x);
      engineGrad = (await grad.data()) as Float32Array;
      tf.dispose([grad, w]);
    }
    x.dispose();
    return {
      engine,
      torch: out.tensors,
      engineGrad,
      torchGrad: out.tensors.input_grad?.data as Float32Array | undefined,
      torchSeconds: out.meta.seconds as number,
    };
  } finally {
    removeDir(dir);
  }
}

/** Indices of the k largest values, largest first (ties: smaller index first). */
export function topK(values: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: values.length }, (_, i) => i)
    .sort((a, b) => (values[b] as number) - (values[a] as number) || a - b)
    .slice(0, k);
}
