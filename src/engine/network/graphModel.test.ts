import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-converter is the reference implementation here; tfjs-layers registers tfjs's gradient functions.
import * as tfc from '@tensorflow/tfjs-converter';
import '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFrozenNetwork } from './buildFrozenNetwork';
import { gradientAgreement, maxRelativeError, take } from '../../../test/support/network/compare';
import type { FrozenNetwork } from './types';

type Attr = Record<string, unknown>;
const str = (v: string): Attr => ({ s: btoa(v) });
const ints = (v: number[]): Attr => ({ list: { i: v.map(String) } });
const strs = (v: string[]): Attr => ({ list: { s: v.map((x) => btoa(x)) } });
const op = (name: string, type: string, input: string[], attr: Record<string, Attr> = {}): object =>
  ({ name, op: type, input, attr: { T: { type: 'DT_FLOAT' }, ...attr } });
const same = { padding: str('SAME'), data_format: str('NHWC'), dilations: ints([1, 1, 1, 1]) };
const valid = { ...same, padding: str('VALID') };
const stride = (s: number): Record<string, Attr> => ({ strides: ints([1, s, s, 1]) });

/**
 * A TF graph model (as tfjs-converter writes it) through every supported graph op: the
 * hub-style input rescale, Conv2D + BiasAdd + Relu, FusedBatchNormV3, _FusedConv2D with
 * BiasAdd+Relu6 and with FusedBatchNorm+Relu, depthwise convolutions (plain and fused,
 * multiplier 2), Pad, MaxPool, AvgPool, ConcatV2, LeakyRelu, Mean, Squeeze, Reshape, MatMul,
 * _FusedMatMul, AddV2, Tanh, Sigmoid, Elu, Softmax, Identity, RealDiv, and an Rsqrt of a constant
 * (folded at build time). tfjs-converter cannot
 * run _FusedConv2D with FusedBatchNorm, so its `reference` variant spells that node out.
 */
async function graphArtifacts(variant: 'fused' | 'reference'): Promise<tf.io.ModelArtifacts> {
  let seed = 1;
  const r = (shape: number[], scale = 0.4): tf.Tensor => tf.randomNormal(shape, 0, scale, 'float32', seed++);
  const consts: Record<string, tf.Tensor> = {
    two: tf.scalar(2), one: tf.scalar(1),
    w1: r([3, 3, 3, 8]), b1: r([8]),
    gamma: r([8]), beta: r([8]), mean: r([8]), variance: tf.randomUniform([8], 0.5, 1.5, 'float32', seed++),
    w2: r([3, 3, 8, 8]), b2: r([8]),
    w3: r([1, 1, 8, 8]), bnScale: r([8]), bnOffset: r([8]), bnMean: r([8]), bnVar: tf.randomUniform([8], 0.5, 1.5, 'float32', seed++),
    dw1: r([3, 3, 8, 1]), dw2: r([3, 3, 8, 2]), dwb: r([16]),
    paddings: tf.tensor2d([[0, 0], [1, 0], [0, 1], [0, 0]], [4, 2], 'int32'),
    axis: tf.scalar(3, 'int32'), spatial: tf.tensor1d([1, 2], 'int32'), flatShape: tf.tensor1d([-1, 216], 'int32'),
    map: r([3, 3, 1], 1), spread: tf.randomUniform([24], 0.5, 2, 'float32', seed++), spread2: tf.randomUniform([24], 0.5, 2, 'float32', seed++),
    wm: r([216, 10], 0.1), wf: r([24, 10]), bf: r([10]), wo: r([10, 4]), bo: r([4]),
  };
  const nodes = [
    { name: 'input', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '9' }, { size: '9' }, { size: '3' }] } } } },
    ...Object.entries(consts).map(([name, t]) => ({ name, op: 'Const', attr: { dtype: { type: t.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' }, value: { tensor: {} } } })),
    op('scaled', 'Mul', ['two', 'input']),
    op('centred', 'Sub', ['scaled', 'one']),
    op('conv1', 'Conv2D', ['centred', 'w1'], { ...same, ...stride(1) }),
    op('bias1', 'BiasAdd', ['conv1', 'b1'], { data_format: str('NHWC') }),
    op('relu1', 'Relu', ['bias1']),
    op('bn', 'FusedBatchNormV3', ['relu1', 'gamma', 'beta', 'mean', 'variance'], { epsilon: { f: 0.001 }, data_format: str('NHWC') }),
    op('fconv', '_FusedConv2D', ['bn', 'w2', 'b2'], { ...same, ...stride(2), fused_ops: strs(['BiasAdd', 'Relu6']), num_args: { i: '1' } }),
    ...(variant === 'fused'
      ? [op('bnconv', '_FusedConv2D', ['fconv', 'w3', 'bnScale', 'bnOffset', 'bnMean', 'bnVar'], { ...same, ...stride(1), fused_ops: strs(['FusedBatchNorm', 'Relu']), num_args: { i: '4' }, epsilon: { f: 0.001 } })]
      : [
        op('bnconv/conv', 'Conv2D', ['fconv', 'w3'], { ...same, ...stride(1) }),
        op('bnconv/bn', 'FusedBatchNormV3', ['bnconv/conv', 'bnScale', 'bnOffset', 'bnMean', 'bnVar'], { epsilon: { f: 0.001 }, data_format: str('NHWC') }),
        op('bnconv', 'Relu', ['bnconv/bn']),
      ]),
    op('dw', 'DepthwiseConv2dNative', ['bnconv', 'dw1'], { ...same, ...stride(1) }),
    op('elu', 'Elu', ['dw']),
    op('fdw', 'FusedDepthwiseConv2dNative', ['fconv', 'dw2', 'dwb'], { ...valid, ...stride(1), fused_ops: strs(['BiasAdd', 'Relu']), num_args: { i: '1' } }),
    op('pad', 'Pad', ['elu', 'paddings']),
    op('maxpool', 'MaxPool', ['pad'], { ...valid, ksize: ints([1, 2, 2, 1]), ...stride(2) }),
    op('avgpool', 'AvgPool', ['fdw'], { ...same, ksize: ints([1, 3, 3, 1]), ...stride(1) }),
    op('concat', 'ConcatV2', ['maxpool', 'avgpool', 'axis'], { N: { i: '2' } }),
    op('leaky', 'LeakyRelu', ['concat'], { alpha: { f: 0.2 } }),
    op('mapped', 'Mul', ['leaky', 'map']),
    op('spreadout', 'RealDiv', ['mapped', 'spread']),
    op('invstd', 'Rsqrt', ['spread2']),
    op('normed', 'Mul', ['spreadout', 'invstd']),
    op('gap', 'Mean', ['normed', 'spatial'], { keep_dims: { b: true } }),
    op('features', 'Squeeze', ['gap'], { squeeze_dims: ints([1, 2]) }),
    op('flat', 'Reshape', ['normed', 'flatShape']),
    op('mm', 'MatMul', ['flat', 'wm'], { transpose_a: { b: false }, transpose_b: { b: false } }),
    op('tanh', 'Tanh', ['mm']),
    op('fmm', '_FusedMatMul', ['features', 'wf', 'bf'], { transpose_a: { b: false }, transpose_b: { b: false }, fused_ops: strs(['BiasAdd', 'Relu']), num_args: { i: '1' } }),
    op('sum', 'AddV2', ['tanh', 'fmm']),
    op('sigmoid', 'Sigmoid', ['sum']),
    op('logits', '_FusedMatMul', ['sigmoid', 'wo', 'bo'], { transpose_a: { b: false }, transpose_b: { b: false }, fused_ops: strs(['BiasAdd']), num_args: { i: '1' } }),
    op('probabilities', 'Softmax', ['logits']),
    op('Identity', 'Identity', ['probabilities']),
  ];
  const { data, specs } = await tf.io.encodeWeights(consts);
  tf.dispose(Object.values(consts));
  return { modelTopology: { node: nodes, versions: { producer: 1 } }, format: 'graph-model', weightSpecs: specs, weightData: data };
}

describe('a synthetic graph model with every supported graph op', () => {
  let artifacts: tf.io.ModelArtifacts;
  let network: FrozenNetwork;
  let x: tf.Tensor4D;
  let w: tf.Tensor;
  const loss = (net: FrozenNetwork, weights: tf.Tensor) => (input: tf.Tensor): tf.Scalar =>
    tf.sum(tf.mul(net.apply(input as tf.Tensor4D, ['logits'])[0] as tf.Tensor, weights));

  beforeAll(async () => {
    await tf.setBackend('cpu');
    artifacts = await graphArtifacts('fused');
    network = buildFrozenNetwork(artifacts);
    x = tf.randomUniform([2, 9, 9, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    w = tf.randomNormal([2, 4], 0, 1, 'float32', 6);
  });

  afterAll(() => {
    network.dispose();
    tf.dispose([x, w]);
  });

  it('names tensors after graph nodes and leaves constants out', () => {
    const names = network.tensors.map((t) => t.name);
    expect(names[0]).toBe('input');
    expect(names).not.toContain('w1');
    expect(network.tensors.find((t) => t.name === 'features')?.shape).toEqual([24]);
    expect(network.tensors.find((t) => t.name === 'logits')?.shape).toEqual([4]);
  });

  it('computes what tfjs-converter computes, for logits and intermediate tensors', async () => {
    const reference = await tfc.loadGraphModel(tf.io.fromMemory(await graphArtifacts('reference')));
    const names = ['logits', 'features', 'bnconv', 'avgpool', 'flat'];
    const mine = network.apply(x, names);
    const theirs = reference.execute(x, names) as tf.Tensor[];
    for (let i = 0; i < names.length; i++) {
      expect(maxRelativeError(await take(mine[i] as tf.Tensor), await take(theirs[i] as tf.Tensor))).toBeLessThan(1e-5);
    }
    reference.dispose();
  });

  it('matches central finite differences', async () => {
    const grad = await take(tf.grad(loss(network, w))(x));
    const base = await take(tf.clone(x));
    const scale = Math.max(...grad.map(Math.abs));
    for (const index of [3, 100, 250, 401]) {
      const at = (delta: number): number => {
        const shifted = base.slice();
        shifted[index] = (shifted[index] as number) + delta;
        return tf.tidy(() => loss(network, w)(tf.tensor4d(shifted, x.shape)).dataSync()[0] as number);
      };
      const finite = (at(1e-3) - at(-1e-3)) / 2e-3;
      expect(Math.abs(finite - (grad[index] as number))).toBeLessThan(2e-3 * scale);
    }
  });

  it('gives the same gradient on wasm as on cpu', async () => {
    const onCpu = await take(tf.grad(loss(network, w))(x));
    await tf.setBackend('wasm');
    const wasmNetwork = buildFrozenNetwork(artifacts);
    try {
      const [xs, ws] = [tf.tensor4d(await x.data(), x.shape), tf.tensor(await w.data(), w.shape)];
      const onWasm = await take(tf.grad(loss(wasmNetwork, ws))(xs));
      tf.dispose([xs, ws]);
      expect(gradientAgreement(onWasm, onCpu, 1e-4).maxRelative).toBeLessThan(1e-4);
    } finally {
      wasmNetwork.dispose();
      await tf.setBackend('cpu');
    }
  });
});
