import * as tf from '@tensorflow/tfjs-core';
import { type Activation, LINEAR } from './activations';
import { batchNormAffine, foldAffine } from './foldBatchNorm';
import { Attrs, type GraphNode } from './graphTopology';
import { type ConvPadding, nodeLabel, type IrGraph, type IrNode, type IrOp, type Pair } from './ir';
import { topologicalOrder } from './topologicalOrder';
import type { WeightStore } from './weights';

interface NodeContext {
  node: GraphNode;
  where: string;
  attrs: Attrs;
  isConstant(input: number): boolean;
  /** The value of input `input`, which must be a constant (weights, shapes, axes). */
  constant(input: number, role: string): tf.Tensor;
  own<T extends tf.Tensor>(t: T): T;
  emit(op: IrOp, inputs?: string[]): void;
}

type NodeConverter = (c: NodeContext) => void;

/** Ops that are evaluated at build time when all their inputs are constants. */
const CONSTANT_FOLDERS: Record<string, (xs: tf.Tensor[]) => tf.Tensor> = {
  Identity: ([x]) => tf.clone(x as tf.Tensor),
  Add: ([a, b]) => tf.add(a as tf.Tensor, b as tf.Tensor),
  AddV2: ([a, b]) => tf.add(a as tf.Tensor, b as tf.Tensor),
  BiasAdd: ([a, b]) => tf.add(a as tf.Tensor, b as tf.Tensor),
  Sub: ([a, b]) => tf.sub(a as tf.Tensor, b as tf.Tensor),
  Mul: ([a, b]) => tf.mul(a as tf.Tensor, b as tf.Tensor),
  RealDiv: ([a, b]) => tf.div(a as tf.Tensor, b as tf.Tensor),
  Maximum: ([a, b]) => tf.maximum(a as tf.Tensor, b as tf.Tensor),
  Minimum: ([a, b]) => tf.minimum(a as tf.Tensor, b as tf.Tensor),
  Rsqrt: ([x]) => tf.rsqrt(x as tf.Tensor),
  Sqrt: ([x]) => tf.sqrt(x as tf.Tensor),
  Neg: ([x]) => tf.neg(x as tf.Tensor),
  Reciprocal: ([x]) => tf.reciprocal(x as tf.Tensor),
  Square: ([x]) => tf.square(x as tf.Tensor),
  Reshape: ([x, shape]) => tf.reshape(x as tf.Tensor, Array.from((shape as tf.Tensor).dataSync())),
  Transpose: ([x, perm]) => tf.transpose(x as tf.Tensor, Array.from((perm as tf.Tensor).dataSync())),
};

/**
 * Translates a TF graph model into IR nodes named after the graph nodes. Const nodes take
 * their values from the weight manifest; ops on constants only are folded at build time.
 */
export function graphToIr(graphNodes: GraphNode[], weights: WeightStore): IrGraph {
  const nodes: IrNode[] = [];
  const constants = new Map<string, tf.Tensor>();
  let inputShape: IrGraph['inputShape'] | undefined;
  const live = graphNodes.filter((n) => n.op !== 'NoOp');
  for (const node of topologicalOrder(live, (n) => n.name, (n) => n.inputs, 'node')) {
    const where = nodeLabel('node', node.name, node.op);
    const attrs = new Attrs(node, where);
    const addConstant = (value: tf.Tensor): void => {
      constants.set(node.name, value);
      nodes.push({ kind: 'constant', value, name: node.name, inputs: [] });
    };
    if (node.op === 'Const') {
      addConstant(weights.get(node.name, where));
      continue;
    }
    if (node.op === 'Placeholder') {
      if (inputShape) throw new Error(`${where}: the model has more than one input; only single-image-input models are supported.`);
      inputShape = placeholderShape(attrs, where);
      nodes.push({ kind: 'input', name: node.name, inputs: [] });
      continue;
    }
    const folder = CONSTANT_FOLDERS[node.op];
    if (folder && node.inputs.length > 0 && node.inputs.every((i) => constants.has(i))) {
      addConstant(weights.own(tf.tidy(() => folder(node.inputs.map((i) => constants.get(i) as tf.Tensor)))));
      continue;
    }
    const convert = CONVERTERS[node.op];
    if (!convert) throw new Error(`${where}: op ${node.op} is not supported.`);
    convert({
      node, where, attrs,
      isConstant: (i) => constants.has(node.inputs[i] as string),
      constant: (i, role) => {
        const value = constants.get(node.inputs[i] as string);
        if (!value) throw new Error(`${where}: its ${role} (input ${i}) must be a constant.`);
        return value;
      },
      own: (t) => weights.own(t),
      emit: (op, inputs = node.inputs.slice(0, 1)) => {
        nodes.push({ ...op, name: node.name, inputs } as IrNode);
      },
    });
  }
  if (!inputShape) throw new Error('Malformed graph model: it has no Placeholder input.');
  return { nodes, inputShape };
}

function placeholderShape(attrs: Attrs, where: string): IrGraph['inputShape'] {
  const shape = attrs.shape('shape');
  if (!shape || shape.length !== 4 || (shape[3] as number) < 1) {
    throw new Error(`${where}: the input shape ${JSON.stringify(shape)} is not [batch, height, width, channels].`);
  }
  const dim = (d: number): number | null => (d > 0 ? d : null);
  return [dim(shape[1] as number), dim(shape[2] as number), shape[3] as number];
}

function checkNhwc(c: NodeContext): void {
  const format = c.attrs.string('data_format', 'NHWC');
  if (format !== 'NHWC') throw new Error(`${c.where}: data format ${format} is not supported (NHWC only).`);
}

/** [1, a, b, 1] → [a, b] for strides and window sizes. */
function spatialPair(c: NodeContext, key: string): Pair {
  const v = c.attrs.ints(key, [1, 1, 1, 1]);
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1) throw new Error(`${c.where}: ${key} ${JSON.stringify(v)} is not [1, h, w, 1].`);
  return [v[1] as number, v[2] as number];
}

function windowPadding(c: NodeContext): ConvPadding {
  const p = c.attrs.string('padding');
  if (p === 'SAME') return 'same';
  if (p === 'VALID') return 'valid';
  if (p === 'EXPLICIT') {
    const e = c.attrs.ints('explicit_paddings');
    if (e.length !== 8 || e[0] !== 0 || e[1] !== 0 || e[6] !== 0 || e[7] !== 0) {
      throw new Error(`${c.where}: explicit paddings ${JSON.stringify(e)} are not spatial-only.`);
    }
    return [[e[2] as number, e[3] as number], [e[4] as number, e[5] as number]];
  }
  throw new Error(`${c.where}: padding ${p} is not supported.`);
}

function graphActivation(op: string, c: NodeContext): Activation {
  switch (op) {
    case 'Relu': return { kind: 'relu' };
    case 'Relu6': return { kind: 'relu6' };
    case 'Elu': return { kind: 'elu' };
    case 'Sigmoid': return { kind: 'sigmoid' };
    case 'Tanh': return { kind: 'tanh' };
    case 'Softmax': return { kind: 'softmax' };
    case 'LeakyRelu': return { kind: 'leakyRelu', alpha: c.attrs.float(c.node.op === 'LeakyRelu' ? 'alpha' : 'leakyrelu_alpha', 0.2) };
    default: throw new Error(`${c.where}: fused activation ${op} is not supported.`);
  }
}

/**
 * The extra ops of _FusedConv2D / FusedDepthwiseConv2dNative / _FusedMatMul: a BiasAdd or
 * an inference FusedBatchNorm (args after the two main inputs), then at most one activation.
 */
function fusedTail(c: NodeContext): { scale?: tf.Tensor; shift?: tf.Tensor; activation: Activation } {
  const ops = c.attrs.strings('fused_ops');
  const [first, activation, ...rest] = ops;
  if (rest.length > 0) throw new Error(`${c.where}: fused ops ${ops.join(' + ')} are not supported.`);
  const act = activation === undefined ? LINEAR : graphActivation(activation, c);
  if (first === 'BiasAdd') return { shift: c.constant(2, 'bias'), activation: act };
  if (first === 'FusedBatchNorm') {
    const { scale, shift } = batchNormAffine({
      gamma: c.constant(2, 'batch-norm scale'), beta: c.constant(3, 'batch-norm offset'),
      mean: c.constant(4, 'batch-norm mean'), variance: c.constant(5, 'batch-norm variance'),
      epsilon: c.attrs.float('epsilon', 1e-3),
    });
    return { scale: c.own(scale), shift: c.own(shift), activation: act };
  }
  throw new Error(`${c.where}: fused ops ${ops.join(' + ')} are not supported.`);
}

function convolution(kind: 'conv2d' | 'depthwiseConv2d', fused: boolean): NodeConverter {
  return (c) => {
    checkNhwc(c);
    const [dh, dw] = spatialPair(c, 'dilations');
    if (dh !== 1 || dw !== 1) throw new Error(`${c.where}: dilated convolutions are not supported.`);
    const tail = fused ? fusedTail(c) : { activation: LINEAR };
    const raw = c.constant(1, 'filter');
    const { kernel, bias } = foldedWeights(c, kind, raw, tail);
    c.emit({
      kind, kernel: kernel as tf.Tensor4D, bias, strides: spatialPair(c, 'strides'),
      padding: windowPadding(c), activation: tail.activation,
    });
  };
}

function dense(fused: boolean): NodeConverter {
  return (c) => {
    if (c.attrs.bool('transpose_a', false)) throw new Error(`${c.where}: transpose_a is not supported.`);
    const b = c.constant(1, 'weight matrix');
    const raw = c.attrs.bool('transpose_b', false) ? c.own(tf.transpose(b)) : b;
    const tail = fused ? fusedTail(c) : { activation: LINEAR };
    const { kernel, bias } = foldedWeights(c, 'dense', raw, tail);
    c.emit({ kind: 'dense', kernel: kernel as tf.Tensor2D, bias, activation: tail.activation });
  };
}

function foldedWeights(
  c: NodeContext, kind: 'conv2d' | 'depthwiseConv2d' | 'dense', raw: tf.Tensor, tail: { scale?: tf.Tensor; shift?: tf.Tensor },
): { kernel: tf.Tensor; bias: tf.Tensor | undefined } {
  if (!tail.scale) return { kernel: raw, bias: tail.shift };
  const folded = foldAffine(kind, raw, undefined, tail.scale, tail.shift);
  return { kernel: c.own(folded.kernel), bias: folded.bias && c.own(folded.bias) };
}

/** Add/Sub/Mul/RealDiv/BiasAdd; a per-channel constant operand makes it an affine node. */
function binary(op: 'add' | 'sub' | 'mul' | 'div'): NodeConverter {
  return (c) => {
    if (c.node.op === 'BiasAdd') checkNhwc(c);
    const [aConst, bConst] = [c.isConstant(0), c.isConstant(1)];
    if (!aConst && !bConst) {
      if (op === 'div' || c.node.op === 'BiasAdd') throw new Error(`${c.where}: a non-constant ${op === 'div' ? 'divisor' : 'bias'} is not supported.`);
      c.emit({ kind: op }, c.node.inputs);
      return;
    }
    const constIndex = aConst ? 0 : 1;
    const value = c.constant(constIndex, 'operand');
    const x = c.node.inputs[1 - constIndex] as string;
    if (value.shape.slice(0, -1).some((d) => d !== 1)) {
      if (op === 'div') throw new Error(`${c.where}: division by a non-per-channel constant is not supported.`);
      c.emit({ kind: op }, c.node.inputs);
      return;
    }
    const v = value.rank <= 1 ? value : c.own(tf.reshape(value, [-1]));
    const affine = ((): { scale?: tf.Tensor; shift?: tf.Tensor } => {
      switch (op) {
        case 'add': return { shift: v };
        case 'mul': return { scale: v };
        case 'sub': return aConst ? { scale: c.own(tf.scalar(-1)), shift: v } : { shift: c.own(tf.neg(v)) };
        case 'div':
          if (aConst) throw new Error(`${c.where}: dividing a constant by the activations is not supported.`);
          return { scale: c.own(tf.reciprocal(v)) };
      }
    })();
    c.emit({ kind: 'affine', ...affine }, [x]);
  };
}

function constInts(c: NodeContext, input: number, role: string): number[] {
  return Array.from(c.constant(input, role).dataSync());
}

function pool(kind: 'maxPool' | 'avgPool'): NodeConverter {
  return (c) => {
    checkNhwc(c);
    const padding = windowPadding(c);
    if (typeof padding !== 'string') throw new Error(`${c.where}: explicit pooling padding is not supported.`);
    c.emit({ kind, size: spatialPair(c, 'ksize'), strides: spatialPair(c, 'strides'), padding });
  };
}

const activation: NodeConverter = (c) => c.emit({ kind: 'activation', activation: graphActivation(c.node.op, c) });

const CONVERTERS: Record<string, NodeConverter> = {
  Identity: (c) => c.emit({ kind: 'identity' }),
  StopGradient: (c) => c.emit({ kind: 'identity' }),
  Snapshot: (c) => c.emit({ kind: 'identity' }),
  Conv2D: convolution('conv2d', false),
  _FusedConv2D: convolution('conv2d', true),
  DepthwiseConv2dNative: convolution('depthwiseConv2d', false),
  FusedDepthwiseConv2dNative: convolution('depthwiseConv2d', true),
  MatMul: dense(false),
  _FusedMatMul: dense(true),
  BiasAdd: binary('add'),
  Add: binary('add'),
  AddV2: binary('add'),
  Sub: binary('sub'),
  Mul: binary('mul'),
  RealDiv: binary('div'),
  Relu: activation,
  Relu6: activation,
  Elu: activation,
  Sigmoid: activation,
  Tanh: activation,
  Softmax: activation,
  LeakyRelu: activation,
  MaxPool: pool('maxPool'),
  AvgPool: pool('avgPool'),
  Mean: (c) => c.emit({ kind: 'mean', axes: constInts(c, 1, 'axes'), keepDims: c.attrs.bool('keep_dims', false) }),
  Squeeze: (c) => c.emit({ kind: 'squeeze', axes: c.attrs.ints('squeeze_dims', c.attrs.ints('axis', [])) }),
  // The first entry of the target shape is the batch, whatever the exporter wrote there.
  Reshape: (c) => c.emit({ kind: 'reshape', shape: constInts(c, 1, 'shape').slice(1) }),
  ConcatV2: (c) => {
    const data = c.node.inputs.slice(0, -1);
    const axis = constInts(c, data.length, 'axis')[0] as number;
    c.emit({ kind: 'concat', axis }, data);
  },
  Pad: (c) => c.emit(padOp(c, 0)),
  PadV2: (c) => c.emit(padOp(c, c.node.inputs.length > 2 ? (constInts(c, 2, 'constant value')[0] as number) : 0)),
  FusedBatchNorm: batchNorm,
  FusedBatchNormV2: batchNorm,
  FusedBatchNormV3: batchNorm,
};

function padOp(c: NodeContext, value: number): IrOp {
  const p = constInts(c, 1, 'paddings');
  if (p.length < 4 || p[0] !== 0 || p[1] !== 0) throw new Error(`${c.where}: padding ${JSON.stringify(p)} pads the batch.`);
  const rows: Pair[] = [];
  for (let i = 2; i < p.length; i += 2) rows.push([p[i] as number, p[i + 1] as number]);
  return { kind: 'pad', padding: rows, value };
}

function batchNorm(c: NodeContext): void {
  checkNhwc(c);
  if (c.attrs.bool('is_training', false)) throw new Error(`${c.where}: training-mode batch norm is not supported.`);
  const { scale, shift } = batchNormAffine({
    gamma: c.constant(1, 'scale'), beta: c.constant(2, 'offset'),
    mean: c.constant(3, 'mean'), variance: c.constant(4, 'variance'),
    epsilon: c.attrs.float('epsilon', 1e-3),
  });
  c.emit({ kind: 'affine', scale: c.own(scale), shift: c.own(shift) });
}
