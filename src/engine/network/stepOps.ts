import * as tf from '@tensorflow/tfjs-core';
import { applyActivation, kernelActivation } from './activations';
import { foldAffine } from './foldBatchNorm';
import { type WeightedChain, type WeightedNode } from './fusion';
import type { IrNode } from './ir';
import { averagePool } from './ops/averagePool';
import { type FrozenOp, statelessOp } from './ops/frozenOp';
import { frozenWeighted } from './ops/frozenWeighted';
import { KernelCache } from './ops/kernelCache';
import { convolutionKernel, type LinearKernel, matMulKernel } from './ops/linearKernels';
import { maxPoolFirstMax } from './ops/maxPoolFirstMax';

/**
 * One frozen op for a conv/dense node and what is fused into it: batch norms (affines) folded
 * into its weights, the activation into its kernel, a max pool after it. Activations the
 * kernel cannot differentiate from its output run as plain ops after it.
 */
export function weightedOp({ node, affines, activation, maxPool }: WeightedChain): FrozenOp {
  let kernel: tf.Tensor = node.kernel;
  let bias = node.bias;
  const derived: tf.Tensor[] = [];
  for (const a of affines) {
    const folded = foldAffine(node.kind, kernel, bias, a.scale, a.shift);
    for (const t of [folded.kernel, folded.bias]) {
      if (t && t !== node.kernel && t !== node.bias) derived.push(tf.keep(t));
    }
    kernel = folded.kernel;
    bias = folded.bias;
  }
  const act = activation?.activation ?? node.activation;
  const fused = kernelActivation(act);
  const linear = linearKernel(node, kernel, bias, derived);
  const op = frozenWeighted(linear, fused ?? { activation: 'linear', alpha: 0 }, maxPool);
  return {
    apply: fused ? op.apply : (xs, hints) => applyActivation(op.apply(xs, hints), act),
    dispose: () => {
      op.dispose();
      for (const t of derived) t.dispose();
    },
  };
}

function linearKernel(
  node: WeightedNode,
  kernel: tf.Tensor,
  bias: tf.Tensor | undefined,
  derived: tf.Tensor[],
): LinearKernel {
  if (node.kind === 'dense') return matMulKernel(kernel as tf.Tensor2D, bias);
  const [kh, kw, inChannels, outChannels] = kernel.shape as [number, number, number, number];
  const unpadded = typeof node.padding === 'string' || node.padding.flat().every((p) => p === 0);
  if (node.kind === 'conv2d' && kh === 1 && kw === 1 && node.strides[0] === 1 && node.strides[1] === 1 && unpadded) {
    const matrix = tf.keep(tf.reshape(kernel, [inChannels, outChannels]));
    derived.push(matrix);
    return matMulKernel(matrix as tf.Tensor2D, bias);
  }
  return convolutionKernel({
    depthwise: node.kind === 'depthwiseConv2d',
    kernel: kernel as tf.Tensor4D,
    bias,
    strides: node.strides,
    padding: node.padding,
  });
}

/** The op of every node kind except input, constant and the weighted kinds. */
export function plainOp(node: IrNode, outputShape: readonly number[]): FrozenOp {
  const one = (f: (x: tf.Tensor) => tf.Tensor): FrozenOp => statelessOp(([x]) => f(x as tf.Tensor));
  switch (node.kind) {
    case 'affine': {
      const { scale, shift } = node;
      return one((x) => {
        const scaled = scale ? tf.mul(x, scale) : x;
        return shift ? tf.add(scaled, shift) : scaled;
      });
    }
    case 'activation':
      return one((x) => applyActivation(x, node.activation));
    case 'pad':
      return one((x) => tf.pad(x, [[0, 0], ...node.padding.map(([a, b]): [number, number] => [a, b])], node.value));
    case 'maxPool':
    case 'avgPool': {
      const kernels = new KernelCache();
      const pool = (node.kind === 'maxPool' ? maxPoolFirstMax : averagePool)(
        node.size,
        node.strides,
        node.padding,
        kernels,
      );
      return { apply: ([x]) => pool(x as tf.Tensor4D), dispose: () => kernels.dispose() };
    }
    case 'mean':
      return one((x) => tf.mean(x, node.axes, node.keepDims));
    case 'reshape':
    case 'squeeze':
      return one((x) => tf.reshape(x, [x.shape[0] as number, ...outputShape]));
    case 'identity':
      return one((x) => tf.clone(x));
    case 'add':
      return statelessOp((xs) => xs.reduce((a, b) => tf.add(a, b)));
    case 'mul':
      return statelessOp((xs) => xs.reduce((a, b) => tf.mul(a, b)));
    case 'sub':
      return statelessOp(([a, b]) => tf.sub(a as tf.Tensor, b as tf.Tensor));
    case 'concat':
      return statelessOp((xs) => tf.concat(xs, node.axis < 0 ? node.axis + outputShape.length + 1 : node.axis));
    default:
      throw new Error(`No plain op for ${node.kind} "${node.name}".`);
  }
}
