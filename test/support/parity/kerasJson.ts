import type * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../src/core/util/rng';

/**
 * Hand-written Keras (tfjs layers-format) models for the parity tests, in the dialect real
 * model.json files use (Keras 2: `model_config`, `inbound_nodes: [[[name, 0, 0, {}]]]`), with
 * seeded weights. The same bytes go to the engine (as ModelArtifacts) and to the PyTorch twin
 * (as model.json + one shard on disk).
 */
export interface LayerSpec {
  className: string;
  name: string;
  config?: Record<string, unknown>;
  inbound?: string[];
}

export interface WeightSpec {
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface KerasModelFiles {
  /** model.json contents. */
  modelJson: { modelTopology: object; weightsManifest: tf.io.WeightsManifestConfig; format: string };
  /** The one weight shard named in the manifest. */
  shard: Uint8Array;
  shardName: string;
  artifacts: tf.io.ModelArtifacts;
}

export function kerasModel(name: string, layers: LayerSpec[], outputs: string[], weights: WeightSpec[]): KerasModelFiles {
  const input = layers.find((l) => l.className === 'InputLayer');
  if (!input) throw new Error('a model needs an InputLayer');
  const modelTopology = {
    keras_version: '2.2.4-tf',
    backend: 'tensorflow',
    model_config: {
      class_name: 'Model',
      config: {
        name,
        layers: layers.map((l) => ({
          name: l.name,
          class_name: l.className,
          config: { name: l.name, trainable: false, ...(l.config ?? {}) },
          inbound_nodes: l.inbound && l.inbound.length ? [l.inbound.map((n) => [n, 0, 0, {}])] : [],
        })),
        input_layers: [[input.name, 0, 0]],
        output_layers: outputs.map((o) => [o, 0, 0]),
      },
    },
  };
  const shardName = 'group1-shard1of1.bin';
  const specs: tf.io.WeightsManifestEntry[] = weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' }));
  const total = weights.reduce((n, w) => n + w.values.length, 0);
  const all = new Float32Array(total);
  let offset = 0;
  for (const w of weights) {
    if (w.values.length !== w.shape.reduce((a, b) => a * b, 1)) throw new Error(`weight ${w.name}: wrong size`);
    all.set(w.values, offset);
    offset += w.values.length;
  }
  const shard = new Uint8Array(all.buffer);
  const weightsManifest: tf.io.WeightsManifestConfig = [{ paths: [shardName], weights: specs }];
  return {
    modelJson: { modelTopology, weightsManifest, format: 'layers-model' },
    shard,
    shardName,
    artifacts: { modelTopology, format: 'layers-model', weightSpecs: specs, weightData: all.buffer.slice(0) },
  };
}

/** Seeded weight factory. */
export class Weights {
  readonly list: WeightSpec[] = [];
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  normal(name: string, shape: number[], std: number, mean = 0): this {
    const n = shape.reduce((a, b) => a * b, 1);
    this.list.push({ name, shape, values: Float32Array.from({ length: n }, () => mean + std * this.rng.normal()) });
    return this;
  }

  uniform(name: string, shape: number[], lo: number, hi: number): this {
    const n = shape.reduce((a, b) => a * b, 1);
    this.list.push({ name, shape, values: Float32Array.from({ length: n }, () => lo + (hi - lo) * this.rng.next()) });
    return this;
  }

  /** gamma, beta, moving_mean, moving_variance (or the subset scale/center leave). */
  batchNorm(layer: string, channels: number, { scale = true, center = true } = {}): this {
    if (scale) this.uniform(`${layer}/gamma`, [channels], 0.6, 1.4);
    if (center) this.normal(`${layer}/beta`, [channels], 0.2, 0.1);
    this.normal(`${layer}/moving_mean`, [channels], 0.2);
    return this.uniform(`${layer}/moving_variance`, [channels], 0.5, 1.5);
  }
}

/**
 * The small network of the pipeline test: conv 3×3 stride 2 + BN + relu6, depthwise 3×3,
 * max pool, conv 1×1, global average pool, dense → 10 logits (softmax head, whose
 * pre-softmax logits both sides must return), input 32×32×3.
 */
export function smallNetwork(seed: number): KerasModelFiles {
  const layers: LayerSpec[] = [
    { className: 'InputLayer', name: 'input_1', config: { batch_input_shape: [null, 32, 32, 3], dtype: 'float32', sparse: false } },
    { className: 'Conv2D', name: 'conv1', inbound: ['input_1'], config: conv(8, 3, 2, 'same', 'linear', false) },
    { className: 'BatchNormalization', name: 'bn1', inbound: ['conv1'], config: bn() },
    { className: 'ReLU', name: 'relu6_1', inbound: ['bn1'], config: { max_value: 6, negative_slope: 0, threshold: 0 } },
    { className: 'DepthwiseConv2D', name: 'dw1', inbound: ['relu6_1'], config: depthwise(3, 1, 1, 'same', 'relu', true) },
    { className: 'MaxPooling2D', name: 'pool1', inbound: ['dw1'], config: pool(2, 2, 'valid') },
    { className: 'Conv2D', name: 'conv2', inbound: ['pool1'], config: conv(16, 1, 1, 'valid', 'relu', true) },
    { className: 'GlobalAveragePooling2D', name: 'gap', inbound: ['conv2'], config: { data_format: 'channels_last' } },
    { className: 'Dense', name: 'logits', inbound: ['gap'], config: dense(10, 'softmax') },
  ];
  const w = new Weights(seed)
    .normal('conv1/kernel', [3, 3, 3, 8], 0.5)
    .batchNorm('bn1', 8)
    .normal('dw1/depthwise_kernel', [3, 3, 8, 1], 0.5)
    .normal('dw1/bias', [8], 0.1, 0.1)
    .normal('conv2/kernel', [1, 1, 8, 16], 0.5)
    .normal('conv2/bias', [16], 0.1, 0.05)
    .normal('logits/kernel', [16, 10], 0.8)
    .normal('logits/bias', [10], 0.1);
  return kerasModel('small_vp_net', layers, ['logits'], w.list);
}

/**
 * A network through the layer types and TF-specific semantics smallNetwork leaves out:
 * asymmetric 'same' padding (odd totals, even kernels), ZeroPadding2D, depth multiplier 2,
 * batch norms without scale or center, LeakyReLU, ELU/swish/sigmoid/tanh/softmax activations,
 * 'same' max and average pooling (average over real cells only), Concatenate, Multiply, Add,
 * Reshape, Flatten in channels-last order, Dropout, Dense with softmax. Input 17×17×3.
 */
export function coverageNetwork(seed: number): KerasModelFiles {
  const layers: LayerSpec[] = [
    { className: 'InputLayer', name: 'input_1', config: { batch_input_shape: [null, 17, 17, 3], dtype: 'float32', sparse: false } },
    { className: 'ZeroPadding2D', name: 'zp', inbound: ['input_1'], config: { padding: [[1, 0], [0, 1]], data_format: 'channels_last' } }, // 18×18×3
    { className: 'Conv2D', name: 'c1', inbound: ['zp'], config: conv(6, 3, 2, 'same', 'elu', true) }, // 9×9×6, pads (0, 1)
    { className: 'Conv2D', name: 'c1b', inbound: ['input_1'], config: conv(4, 2, 2, 'same', 'linear', false) }, // 9×9×4, even kernel, pads (0, 1)
    { className: 'BatchNormalization', name: 'bn_noscale', inbound: ['c1b'], config: bn({ scale: false }) },
    { className: 'LeakyReLU', name: 'lrelu', inbound: ['bn_noscale'], config: { alpha: 0.2 } },
    { className: 'DepthwiseConv2D', name: 'dw2', inbound: ['c1'], config: depthwise(3, 2, 2, 'same', 'relu6', true) }, // 5×5×12
    { className: 'AveragePooling2D', name: 'ap_same', inbound: ['lrelu'], config: pool(2, 2, 'same') }, // 5×5×4, last window half padding
    { className: 'MaxPooling2D', name: 'mp_same', inbound: ['c1'], config: pool(3, 2, 'same') }, // 5×5×6
    { className: 'Concatenate', name: 'cat1', inbound: ['dw2', 'ap_same', 'mp_same'], config: { axis: -1 } }, // 5×5×22
    { className: 'BatchNormalization', name: 'bn_nocenter', inbound: ['cat1'], config: bn({ center: false }) },
    { className: 'Activation', name: 'swish', inbound: ['bn_nocenter'], config: { activation: 'swish' } },
    { className: 'Conv2D', name: 'c2', inbound: ['swish'], config: conv(8, 1, 1, 'valid', 'sigmoid', true) }, // 5×5×8
    { className: 'Conv2D', name: 'c3', inbound: ['swish'], config: conv(8, 3, 1, 'same', 'linear', true) },
    { className: 'Activation', name: 'c3_softmax', inbound: ['c3'], config: { activation: 'softmax' } },
    { className: 'Multiply', name: 'mul', inbound: ['c2', 'c3_softmax'] },
    { className: 'Add', name: 'add', inbound: ['mul', 'c2'] },
    { className: 'Activation', name: 'tanh', inbound: ['add'], config: { activation: 'tanh' } },
    { className: 'Reshape', name: 'reshape', inbound: ['tanh'], config: { target_shape: [25, 8] } },
    { className: 'Flatten', name: 'flatten', inbound: ['reshape'], config: { data_format: 'channels_last' } }, // 200
    { className: 'Flatten', name: 'flatten_maps', inbound: ['dw2'], config: { data_format: 'channels_last' } }, // 300, NHWC order
    { className: 'GlobalAveragePooling2D', name: 'gap', inbound: ['cat1'], config: { data_format: 'channels_last' } }, // 22
    { className: 'Concatenate', name: 'features', inbound: ['flatten', 'flatten_maps', 'gap'], config: { axis: -1 } }, // 522
    { className: 'Dense', name: 'hidden', inbound: ['features'], config: dense(12, 'relu') },
    { className: 'Dropout', name: 'dropout', inbound: ['hidden'], config: { rate: 0.5, noise_shape: null, seed: null } },
    { className: 'Dense', name: 'logits', inbound: ['dropout'], config: dense(6, 'softmax') },
  ];
  const w = new Weights(seed)
    .normal('c1/kernel', [3, 3, 3, 6], 0.5)
    .normal('c1/bias', [6], 0.1)
    .normal('c1b/kernel', [2, 2, 3, 4], 0.5)
    .batchNorm('bn_noscale', 4, { scale: false })
    .normal('dw2/depthwise_kernel', [3, 3, 6, 2], 0.5)
    .normal('dw2/bias', [12], 0.1, 0.2)
    .batchNorm('bn_nocenter', 22, { center: false })
    .normal('c2/kernel', [1, 1, 22, 8], 0.3)
    .normal('c2/bias', [8], 0.1)
    .normal('c3/kernel', [3, 3, 22, 8], 0.2)
    .normal('c3/bias', [8], 0.1)
    .normal('hidden/kernel', [522, 12], 0.1)
    .normal('hidden/bias', [12], 0.1, 0.1)
    .normal('logits/kernel', [12, 6], 0.6)
    .normal('logits/bias', [6], 0.1);
  return kerasModel('coverage_net', layers, ['logits'], w.list);
}

function conv(filters: number, kernel: number, stride: number, padding: string, activation: string, useBias: boolean) {
  return {
    filters, kernel_size: [kernel, kernel], strides: [stride, stride], padding, data_format: 'channels_last',
    dilation_rate: [1, 1], activation, use_bias: useBias,
  };
}

function depthwise(kernel: number, multiplier: number, stride: number, padding: string, activation: string, useBias: boolean) {
  return {
    kernel_size: [kernel, kernel], strides: [stride, stride], padding, data_format: 'channels_last',
    dilation_rate: [1, 1], depth_multiplier: multiplier, activation, use_bias: useBias,
  };
}

function bn({ scale = true, center = true } = {}) {
  return { axis: -1, momentum: 0.99, epsilon: 0.001, center, scale };
}

function pool(size: number, stride: number, padding: string) {
  return { pool_size: [size, size], strides: [stride, stride], padding, data_format: 'channels_last' };
}

function dense(units: number, activation: string) {
  return { units, activation, use_bias: true };
}
