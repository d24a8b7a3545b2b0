import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // registers tfjs's gradient functions
import { describe, expect, it } from 'vitest';
import { type Activation, applyActivation, kernelActivation } from '../activations';
import type { ConvPadding, Pair, Pool } from '../ir';
import { explicitPadding } from '../shapes';
import { maxRelativeError, take } from '../../../../test/support/network/compare';
import { frozenWeighted } from './frozenWeighted';
import { convolutionKernel, matMulKernel } from './linearKernels';

interface ConvCase {
  depthwise: boolean;
  kernel: [number, number, number, number];
  strides: Pair;
  padding: ConvPadding;
  hw: Pair;
  activation: Activation;
  maxPool?: Pool;
}

const CASES: ConvCase[] = [
  { depthwise: false, kernel: [3, 3, 4, 5], strides: [1, 1], padding: 'same', hw: [7, 6], activation: { kind: 'relu' } },
  { depthwise: false, kernel: [3, 3, 4, 5], strides: [2, 2], padding: 'same', hw: [8, 7], activation: { kind: 'relu6' } },
  { depthwise: false, kernel: [3, 3, 4, 5], strides: [2, 2], padding: 'valid', hw: [9, 8], activation: { kind: 'leakyRelu', alpha: 0.1 } },
  { depthwise: false, kernel: [1, 1, 4, 6], strides: [1, 1], padding: 'valid', hw: [5, 5], activation: { kind: 'linear' } },
  { depthwise: false, kernel: [1, 1, 4, 6], strides: [2, 2], padding: 'valid', hw: [7, 6], activation: { kind: 'linear' } },
  { depthwise: false, kernel: [2, 3, 4, 6], strides: [3, 3], padding: 'same', hw: [10, 11], activation: { kind: 'relu' } },
  { depthwise: false, kernel: [5, 2, 4, 3], strides: [3, 2], padding: [[2, 1], [0, 1]], hw: [10, 9], activation: { kind: 'elu' } },
  { depthwise: false, kernel: [2, 2, 4, 3], strides: [2, 2], padding: 'same', hw: [7, 7], activation: { kind: 'sigmoid' } },
  { depthwise: true, kernel: [3, 3, 4, 1], strides: [1, 1], padding: 'same', hw: [7, 6], activation: { kind: 'relu6' } },
  { depthwise: true, kernel: [3, 3, 4, 2], strides: [2, 2], padding: 'same', hw: [8, 9], activation: { kind: 'relu' } },
  { depthwise: true, kernel: [3, 3, 4, 2], strides: [1, 1], padding: 'valid', hw: [6, 6], activation: { kind: 'linear' } },
  { depthwise: true, kernel: [3, 3, 4, 3], strides: [2, 2], padding: 'valid', hw: [9, 7], activation: { kind: 'elu' } },
  { depthwise: false, kernel: [3, 3, 4, 5], strides: [1, 1], padding: 'same', hw: [8, 8], activation: { kind: 'leakyRelu', alpha: 0.1 },
    maxPool: { size: [2, 2], strides: [2, 2], padding: 'valid' } },
  { depthwise: false, kernel: [3, 3, 4, 5], strides: [1, 1], padding: 'same', hw: [7, 7], activation: { kind: 'relu' },
    maxPool: { size: [3, 3], strides: [2, 2], padding: 'same' } },
  { depthwise: true, kernel: [3, 3, 4, 2], strides: [1, 1], padding: 'valid', hw: [9, 9], activation: { kind: 'relu6' },
    maxPool: { size: [2, 2], strides: [2, 2], padding: 'same' } },
];

function describeCase(c: ConvCase): string {
  const pool = c.maxPool ? ` + max pool ${c.maxPool.size.join('×')}/${c.maxPool.strides.join(',')} ${c.maxPool.padding}` : '';
  return `${c.depthwise ? 'depthwise' : 'conv2d'} ${c.kernel.join('×')} stride ${c.strides.join(',')} ${JSON.stringify(c.padding)} ${c.activation.kind}${pool}`;
}

/** dL/dx of L = Σ w ⊙ pool(act(conv(x) + b)) through the frozen op. */
function frozenGrad(c: ConvCase, x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, w: tf.Tensor): tf.Tensor {
  const op = frozenWeighted(
    convolutionKernel({ depthwise: c.depthwise, kernel, bias, strides: c.strides, padding: c.padding }),
    kernelActivation(c.activation) ?? { activation: 'linear', alpha: 0 },
    c.maxPool,
  );
  const grad = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(op.apply([input]), w)))(x);
  op.dispose();
  return grad;
}

/** The same through tfjs's own (unfused) ops and autodiff (cpu: its max-pool gradient is first-max there). */
function autodiffGrad(c: ConvCase, x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, w: tf.Tensor): tf.Tensor {
  return tf.grad((input: tf.Tensor) => tf.sum(tf.mul(reference(c, input as tf.Tensor4D, kernel, bias), w)))(x);
}

function reference(c: ConvCase, x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  const strides: [number, number] = [c.strides[0], c.strides[1]];
  const pad = explicitPadding(c.padding);
  const z = c.depthwise ? tf.depthwiseConv2d(x, kernel, strides, pad as 'same') : tf.conv2d(x, kernel, strides, pad);
  const y = applyActivation(tf.add(z, bias), c.activation) as tf.Tensor4D;
  const p = c.maxPool;
  return p ? tf.maxPool(y, [p.size[0], p.size[1]], [p.strides[0], p.strides[1]], p.padding) : y;
}

describe('frozen convolutions', () => {
  it.each(CASES.map((c) => [describeCase(c), c] as const))('%s: the output and input gradient of tfjs autodiff (cpu), the same on wasm', async (_, c) => {
    await tf.setBackend('cpu');
    const [kh, kw, cin, m] = c.kernel;
    const make = (): [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D] => [
      tf.randomNormal([2, c.hw[0], c.hw[1], cin], 0, 1, 'float32', 1) as tf.Tensor4D,
      tf.randomNormal([kh, kw, cin, m], 0, 0.5, 'float32', 2) as tf.Tensor4D,
      tf.randomNormal([c.depthwise ? cin * m : m], 0, 0.5, 'float32', 3) as tf.Tensor1D,
    ];
    let [x, kernel, bias] = make();
    const y = reference(c, x, kernel, bias);
    const w = tf.randomNormal(y.shape, 0, 1, 'float32', 4);
    const wValues = await w.data();
    const expected = await take(autodiffGrad(c, x, kernel, bias, w));
    const op = frozenWeighted(
      convolutionKernel({ depthwise: c.depthwise, kernel, bias, strides: c.strides, padding: c.padding }),
      kernelActivation(c.activation) ?? { activation: 'linear', alpha: 0 }, c.maxPool);
    expect(maxRelativeError(await take(op.apply([x])), await y.data())).toBeLessThan(1e-5);
    op.dispose();
    const onCpu = await take(frozenGrad(c, x, kernel, bias, w));
    expect(maxRelativeError(onCpu, expected)).toBeLessThan(1e-5);
    tf.dispose([x, kernel, bias, y, w]);

    await tf.setBackend('wasm');
    [x, kernel, bias] = make();
    const wasmW = tf.tensor(wValues, y.shape);
    const onWasm = await take(frozenGrad(c, x, kernel, bias, wasmW));
    expect(maxRelativeError(onWasm, onCpu)).toBeLessThan(1e-5);
    tf.dispose([x, kernel, bias, wasmW]);
  });
});

describe('frozen matrix products (Dense, 1×1 convolutions)', () => {
  it.each(['cpu', 'wasm'])('gives the input gradient of tfjs autodiff on %s, for any input rank', async (backend) => {
    await tf.setBackend(backend);
    const x = tf.randomNormal([2, 3, 7], 0, 1, 'float32', 1);
    const kernel = tf.randomNormal([7, 5], 0, 1, 'float32', 2) as tf.Tensor2D;
    const bias = tf.randomNormal([5], 0, 1, 'float32', 3);
    const w = tf.randomNormal([2, 3, 5], 0, 1, 'float32', 4);
    const op = frozenWeighted(matMulKernel(kernel, bias), { activation: 'relu', alpha: 0 }, undefined);
    const mine = await take(tf.grad((input: tf.Tensor) => tf.sum(tf.mul(op.apply([input]), w)))(x));
    const expected = await take(tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.add(tf.matMul(tf.reshape(input, [6, 7]), kernel), bias)), tf.reshape(w, [6, 5]))))(x));
    expect(maxRelativeError(mine, expected)).toBeLessThan(1e-5);
    op.dispose();
    tf.dispose([x, kernel, bias, w]);
  });
});

describe('softmax activation', () => {
  it('normalises over a non-last axis', async () => {
    await tf.setBackend('cpu');
    const x = tf.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 1);
    const mine = await take(applyActivation(x, { kind: 'softmax', axis: 1 }));
    const expected = await take(tf.transpose(tf.softmax(tf.transpose(x, [0, 3, 2, 1])), [0, 3, 2, 1]));
    expect(maxRelativeError(mine, expected)).toBeLessThan(1e-6);
    x.dispose();
  });
});

describe('dilate', () => {
  it('spreads every element over the stride grid at its offset, zeros between (hand-worked)', async () => {
    const { dilate } = await import('./dilate');
    // Two channels, so rows and columns must keep each element's channels together.
    const x = tf.tensor4d([1, -1, 2, -2, 3, -3, 4, -4], [1, 2, 2, 2]);
    const spread = dilate(x, [2, 3], [1, 2]);
    expect(spread.shape).toEqual([1, 4, 6, 2]);
    const at = (r: number, c: number) => [...tf.slice(spread, [0, r, c, 0], [1, 1, 1, 2]).dataSync()];
    expect(at(1, 2)).toEqual([1, -1]);
    expect(at(1, 5)).toEqual([2, -2]);
    expect(at(3, 2)).toEqual([3, -3]);
    expect(at(3, 5)).toEqual([4, -4]);
    expect(tf.sum(spread).dataSync()[0]).toBe(0);
    expect(tf.sum(tf.abs(spread)).dataSync()[0]).toBe(20);
    expect(dilate(x, [1, 1])).toBe(x);
  });
});
