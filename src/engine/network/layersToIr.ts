import * as tf from '@tensorflow/tfjs-core';
import { type Activation, LINEAR } from './activations';
import { num, pair, str } from './configValues';
import { batchNormAffine } from './foldBatchNorm';
import { nodeLabel, type IrGraph, type IrNode, type IrOp, type Pair } from './ir';
import type { KerasLayer } from './layersTopology';
import { topologicalOrder } from './topologicalOrder';
import type { WeightStore } from './weights';

interface LayerContext {
  layer: KerasLayer;
  where: string;
  config: Record<string, unknown>;
  inputs: string[];
  weight(suffix: string): tf.Tensor;
  /** Hands a tensor derived at build time to the store, which frees it with the network. */
  own(t: tf.Tensor): tf.Tensor;
  /** Adds a node (named after the layer unless `name` is given); returns its name. */
  emit(op: IrOp, name?: string, inputs?: string[]): string;
}

/** Returns the name of the node that carries the layer's output. */
type LayerConverter = (c: LayerContext) => string;

const NESTED_MODELS = ['Model', 'Functional', 'Sequential'];
const IDENTITY_LAYERS = ['Dropout', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization'];

/**
 * Translates Keras layers to IR nodes named after the layers. A Conv2D/Dense whose activation
 * is softmax becomes two nodes: the layer's name carries the PRE-softmax logits (what visual
 * prompting trains on) and "<name>/softmax" the probabilities, which downstream layers read.
 */
export function layersToIr(layers: KerasLayer[], weights: WeightStore): IrGraph {
  const nodes: IrNode[] = [];
  const outputOf = new Map<string, string>();
  let inputShape: IrGraph['inputShape'] | undefined;
  for (const layer of topologicalOrder(layers, (l) => l.name, (l) => l.inbound, 'layer')) {
    const where = nodeLabel('layer', layer.name, layer.className);
    if (layer.className === 'InputLayer') {
      if (inputShape) throw new Error(`${where}: the model has more than one input; only single-image-input models are supported.`);
      inputShape = declaredInputShape(layer, where);
      nodes.push({ kind: 'input', name: layer.name, inputs: [] });
      outputOf.set(layer.name, layer.name);
      continue;
    }
    if (NESTED_MODELS.includes(layer.className)) throw new Error(`${where}: models nested inside models are not supported.`);
    const convert = CONVERTERS[layer.className] ?? (IDENTITY_LAYERS.includes(layer.className) ? identity : undefined);
    if (!convert) throw new Error(`${where}: layer type ${layer.className} is not supported.`);
    if (layer.config.data_format === 'channels_first') throw new Error(`${where}: channels_first data is not supported.`);
    const context: LayerContext = {
      layer, where, config: layer.config,
      inputs: layer.inbound.map((n) => outputOf.get(n) as string),
      weight: (suffix) => weights.get(`${layer.name}/${suffix}`, where),
      own: (t) => weights.own(t),
      emit: (op, name = layer.name, inputs = context.inputs) => {
        nodes.push({ ...op, name, inputs } as IrNode);
        return name;
      },
    };
    if (context.inputs.length === 0) throw new Error(`${where} has no input.`);
    outputOf.set(layer.name, convert(context));
  }
  if (!inputShape) throw new Error('Malformed layers model: it has no InputLayer and no input shape.');
  return { nodes, inputShape };
}

function declaredInputShape(layer: KerasLayer, where: string): IrGraph['inputShape'] {
  const shape = layer.config.batch_input_shape ?? layer.config.batch_shape;
  if (!Array.isArray(shape) || shape.length !== 4 || typeof shape[3] !== 'number') {
    throw new Error(`${where}: the input shape ${JSON.stringify(shape)} is not [batch, height, width, channels].`);
  }
  const dim = (d: unknown): number | null => (typeof d === 'number' ? d : null);
  return [dim(shape[1]), dim(shape[2]), shape[3]];
}

const KERAS_ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'tanh', 'swish'] as const;

function kerasActivation(v: unknown, where: string): Activation {
  const name = v ?? 'linear';
  if (name === 'silu') return { kind: 'swish' };
  if (name === 'softmax') return { kind: 'softmax' };
  const known = KERAS_ACTIVATIONS.find((a) => a === name);
  if (!known) throw new Error(`${where}: activation ${JSON.stringify(name)} is not supported.`);
  return { kind: known };
}

function withActivation(c: LayerContext, op: IrOp, activation: Activation): string {
  if (activation.kind !== 'softmax') return c.emit({ ...op, activation } as IrOp);
  const logits = c.emit({ ...op, activation: LINEAR } as IrOp);
  return c.emit({ kind: 'activation', activation }, `${logits}/softmax`, [logits]);
}

function convPadding(c: LayerContext): 'same' | 'valid' {
  const p = str(c.config.padding, c.where, 'padding', 'valid');
  if (p !== 'same' && p !== 'valid') throw new Error(`${c.where}: padding "${p}" is not supported.`);
  return p;
}

function checkNoDilation(c: LayerContext): void {
  const [dh, dw] = pair(c.config.dilation_rate, c.where, 'dilation_rate', [1, 1]);
  if (dh !== 1 || dw !== 1) throw new Error(`${c.where}: dilated convolutions are not supported.`);
}

function optionalBias(c: LayerContext): tf.Tensor | undefined {
  return c.config.use_bias === false ? undefined : c.weight('bias');
}

function poolOp(kind: 'maxPool' | 'avgPool'): LayerConverter {
  return (c) => {
    const size = pair(c.config.pool_size, c.where, 'pool_size', [2, 2]);
    return c.emit({ kind, size, strides: pair(c.config.strides, c.where, 'strides', size), padding: convPadding(c) });
  };
}

const identity: LayerConverter = (c) => c.emit({ kind: 'identity' });

const CONVERTERS: Record<string, LayerConverter> = {
  Conv2D: (c) => {
    checkNoDilation(c);
    if (num(c.config.groups, c.where, 'groups', 1) !== 1) throw new Error(`${c.where}: grouped convolutions are not supported.`);
    return withActivation(c, {
      kind: 'conv2d', kernel: c.weight('kernel') as tf.Tensor4D, bias: optionalBias(c),
      strides: pair(c.config.strides, c.where, 'strides', [1, 1]), padding: convPadding(c), activation: LINEAR,
    }, kerasActivation(c.config.activation, c.where));
  },
  DepthwiseConv2D: (c) => {
    checkNoDilation(c);
    return withActivation(c, {
      kind: 'depthwiseConv2d', kernel: c.weight('depthwise_kernel') as tf.Tensor4D, bias: optionalBias(c),
      strides: pair(c.config.strides, c.where, 'strides', [1, 1]), padding: convPadding(c), activation: LINEAR,
    }, kerasActivation(c.config.activation, c.where));
  },
  SeparableConv2D: (c) => {
    checkNoDilation(c);
    const depthwise = c.emit({
      kind: 'depthwiseConv2d', kernel: c.weight('depthwise_kernel') as tf.Tensor4D,
      strides: pair(c.config.strides, c.where, 'strides', [1, 1]), padding: convPadding(c), activation: LINEAR,
    }, `${c.layer.name}/depthwise`);
    return withActivation({ ...c, inputs: [depthwise] }, {
      kind: 'conv2d', kernel: c.weight('pointwise_kernel') as tf.Tensor4D, bias: optionalBias(c),
      strides: [1, 1], padding: 'valid', activation: LINEAR,
    }, kerasActivation(c.config.activation, c.where));
  },
  Dense: (c) => withActivation(c, {
    kind: 'dense', kernel: c.weight('kernel') as tf.Tensor2D, bias: optionalBias(c), activation: LINEAR,
  }, kerasActivation(c.config.activation, c.where)),
  BatchNormalization: (c) => {
    const rawAxis = Array.isArray(c.config.axis) && c.config.axis.length === 1 ? c.config.axis[0] : c.config.axis;
    const { scale, shift } = batchNormAffine({
      gamma: c.config.scale === false ? undefined : c.weight('gamma'),
      beta: c.config.center === false ? undefined : c.weight('beta'),
      mean: c.weight('moving_mean'),
      variance: c.weight('moving_variance'),
      epsilon: num(c.config.epsilon, c.where, 'epsilon', 1e-3),
    });
    return c.emit({ kind: 'affine', scale: c.own(scale), shift: c.own(shift), axis: num(rawAxis, c.where, 'axis', -1) });
  },
  Activation: (c) => c.emit({ kind: 'activation', activation: kerasActivation(c.config.activation, c.where) }),
  ReLU: (c) => c.emit({ kind: 'activation', activation: kerasRelu(c) }),
  LeakyReLU: (c) => c.emit({
    kind: 'activation',
    activation: { kind: 'leakyRelu', alpha: num(c.config.alpha ?? c.config.negative_slope, c.where, 'alpha', 0.3) },
  }),
  ELU: (c) => {
    if (num(c.config.alpha, c.where, 'alpha', 1) !== 1) throw new Error(`${c.where}: ELU with alpha ≠ 1 is not supported.`);
    return c.emit({ kind: 'activation', activation: { kind: 'elu' } });
  },
  Softmax: (c) => {
    const axis = Array.isArray(c.config.axis) && c.config.axis.length === 1 ? c.config.axis[0] : c.config.axis;
    return c.emit({ kind: 'activation', activation: { kind: 'softmax', axis: num(axis, c.where, 'axis', -1) } });
  },
  ZeroPadding2D: (c) => c.emit({ kind: 'pad', padding: [...zeroPadding(c), [0, 0]], value: 0 }),
  MaxPooling2D: poolOp('maxPool'),
  AveragePooling2D: poolOp('avgPool'),
  GlobalAveragePooling2D: (c) => c.emit({ kind: 'mean', axes: [1, 2], keepDims: c.config.keepdims === true }),
  Flatten: (c) => c.emit({ kind: 'reshape', shape: [-1] }),
  Reshape: (c) => {
    const target = c.config.target_shape;
    if (!Array.isArray(target) || !target.every((d) => typeof d === 'number')) throw new Error(`${c.where}: target_shape is not a list of ints.`);
    return c.emit({ kind: 'reshape', shape: target as number[] });
  },
  Add: (c) => c.emit({ kind: 'add' }),
  Subtract: (c) => c.emit({ kind: 'sub' }),
  Multiply: (c) => c.emit({ kind: 'mul' }),
  Concatenate: (c) => c.emit({ kind: 'concat', axis: num(c.config.axis, c.where, 'axis', -1) }),
  Rescaling: (c) => c.emit({
    kind: 'affine',
    scale: c.own(tf.scalar(num(c.config.scale, c.where, 'scale'))),
    shift: c.own(tf.scalar(num(c.config.offset, c.where, 'offset', 0))),
  }),
};

function kerasRelu(c: LayerContext): Activation {
  const max = c.config.max_value;
  const slope = num(c.config.negative_slope, c.where, 'negative_slope', 0);
  if (num(c.config.threshold, c.where, 'threshold', 0) !== 0) throw new Error(`${c.where}: ReLU with a threshold is not supported.`);
  if (max === null || max === undefined) return slope === 0 ? { kind: 'relu' } : { kind: 'leakyRelu', alpha: slope };
  const m = num(max, c.where, 'max_value');
  if (slope !== 0) throw new Error(`${c.where}: ReLU with both max_value and negative_slope is not supported.`);
  return m === 6 ? { kind: 'relu6' } : { kind: 'clip', min: 0, max: m };
}

function zeroPadding(c: LayerContext): [Pair, Pair] {
  const p = c.config.padding;
  if (typeof p === 'number') return [[p, p], [p, p]];
  if (Array.isArray(p) && p.length === 2) {
    const [h, w] = p.map((v) => (typeof v === 'number' ? [v, v] : v)) as unknown[];
    if (Array.isArray(h) && Array.isArray(w) && [...h, ...w].every((v) => typeof v === 'number') && h.length === 2 && w.length === 2) {
      return [[h[0], h[1]], [w[0], w[1]]];
    }
  }
  throw new Error(`${c.where}: padding ${JSON.stringify(p)} is not understood.`);
}
