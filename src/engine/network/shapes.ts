import * as tf from '@tensorflow/tfjs-core';
import type { ConvPadding, IrGraph, IrNode } from './ir';

export interface InferredShapes {
  /** Per-sample output shape of every node that can run (constants: their full shape). */
  shapes: Map<string, number[]>;
  /** Why each of the other nodes cannot run at this input size. */
  failures: Map<string, string>;
}

export function inferShapes(graph: IrGraph, inputShape: readonly number[]): InferredShapes {
  const shapes = new Map<string, number[]>();
  const failures = new Map<string, string>();
  const batched = new Set<string>();
  for (const node of graph.nodes) {
    const failedInput = node.inputs.find((i) => failures.has(i));
    if (failedInput !== undefined) {
      failures.set(node.name, failures.get(failedInput) as string);
      continue;
    }
    try {
      shapes.set(node.name, outputShape(node, shapes, batched, inputShape));
    } catch (e) {
      failures.set(node.name, `${node.kind} "${node.name}" cannot run: ${(e as Error).message}`);
    }
    if (node.kind !== 'constant') batched.add(node.name);
  }
  return { shapes, failures };
}

export function explicitPadding(p: ConvPadding): 'same' | 'valid' | tf.backend_util.ExplicitPadding {
  if (typeof p === 'string') return p;
  return [[0, 0], [p[0][0], p[0][1]], [p[1][0], p[1][1]], [0, 0]];
}

function outputShape(node: IrNode, shapes: Map<string, number[]>, batched: Set<string>, inputShape: readonly number[]): number[] {
  const ins = node.inputs.map((n) => {
    const s = shapes.get(n);
    if (!s) throw new Error(`its input "${n}" is not defined before it`);
    return s;
  });
  const first = (): number[] => {
    const s = ins[0];
    if (!s) throw new Error('it has no input');
    return s;
  };
  const spatial = (what: string): [number, number, number] => {
    const s = first();
    if (s.length !== 3) throw new Error(`${what} needs a [height, width, channels] input, got [${s.join(', ')}]`);
    return [s[0] as number, s[1] as number, s[2] as number];
  };
  switch (node.kind) {
    case 'input':
      return [...inputShape];
    case 'constant':
      return node.value.shape;
    case 'conv2d':
    case 'depthwiseConv2d': {
      const [h, w, c] = spatial(node.kind);
      const k = node.kernel.shape;
      if (k[2] !== c) throw new Error(`the kernel expects ${k[2]} input channels, the input has ${c}`);
      const info = tf.backend_util.computeConv2DInfo(
        [1, h, w, c], k, [node.strides[0], node.strides[1]], 1, explicitPadding(node.padding), undefined,
        node.kind === 'depthwiseConv2d');
      return info.outShape.slice(1);
    }
    case 'dense': {
      const s = first();
      const [inputs, units] = node.kernel.shape;
      if (s[s.length - 1] !== inputs) throw new Error(`the kernel expects ${inputs} inputs, the input has shape [${s.join(', ')}]`);
      return [...s.slice(0, -1), units];
    }
    case 'affine': {
      const s = first();
      if (node.axis !== undefined && node.axis !== -1 && node.axis !== s.length) {
        throw new Error(`normalises axis ${node.axis} of a batch of [${s.join(', ')}]; only the last (channel) axis is supported`);
      }
      for (const v of [node.scale, node.shift]) {
        if (v && v.size !== 1 && v.size !== s[s.length - 1]) {
          throw new Error(`${v.size} per-channel values for an input of shape [${s.join(', ')}]`);
        }
      }
      return s;
    }
    case 'activation': {
      const s = first();
      const axis = node.activation.kind === 'softmax' ? node.activation.axis ?? -1 : -1;
      if (axis === 0 || axis > s.length || axis < -s.length - 1) throw new Error(`softmax over axis ${axis} of a batch of [${s.join(', ')}]`);
      return s;
    }
    case 'identity':
      return first();
    case 'pad': {
      const s = first();
      if (node.padding.length !== s.length) throw new Error(`padding for ${node.padding.length} axes, input has ${s.length}`);
      return s.map((d, i) => d + (node.padding[i] as readonly number[]).reduce((a, b) => a + b, 0));
    }
    case 'maxPool':
    case 'avgPool': {
      const [h, w, c] = spatial(node.kind);
      const info = tf.backend_util.computePool2DInfo(
        [1, h, w, c], [node.size[0], node.size[1]], [node.strides[0], node.strides[1]], 1, node.padding);
      if (info.outHeight < 1 || info.outWidth < 1) throw new Error(`a ${h}×${w} input is smaller than the pool`);
      return info.outShape.slice(1);
    }
    case 'mean': {
      const s = first();
      const axes = node.axes.map((a) => (a < 0 ? a + s.length + 1 : a));
      if (axes.some((a) => a < 1 || a > s.length)) throw new Error(`cannot reduce axes [${node.axes.join(', ')}] of a batch of [${s.join(', ')}]`);
      return node.keepDims ? s.map((d, i) => (axes.includes(i + 1) ? 1 : d)) : s.filter((_, i) => !axes.includes(i + 1));
    }
    case 'reshape':
      return resolveReshape(first(), node.shape);
    case 'squeeze': {
      const s = first();
      const axes = node.axes.map((a) => (a < 0 ? a + s.length + 1 : a));
      if (axes.some((a) => a < 1 || a > s.length || s[a - 1] !== 1)) {
        throw new Error(`cannot squeeze axes [${node.axes.join(', ')}] of a batch of [${s.join(', ')}]`);
      }
      return axes.length === 0 ? s.filter((d) => d !== 1) : s.filter((_, i) => !axes.includes(i + 1));
    }
    case 'add':
    case 'sub':
    case 'mul':
      return broadcastPerSample(node.inputs.map((n, i) => ({ shape: ins[i] as number[], batched: batched.has(n) })));
    case 'concat': {
      const s = first();
      const axis = node.axis < 0 ? node.axis + s.length + 1 : node.axis;
      if (axis < 1 || axis > s.length) throw new Error(`cannot concatenate along axis ${node.axis}`);
      const out = [...s];
      out[axis - 1] = 0;
      for (const t of ins) {
        if (t.length !== s.length || t.some((d, i) => i !== axis - 1 && d !== s[i])) {
          throw new Error(`inputs of shapes ${ins.map((x) => `[${x.join(', ')}]`).join(', ')} do not fit along axis ${axis}`);
        }
        out[axis - 1] = (out[axis - 1] as number) + (t[axis - 1] as number);
      }
      return out;
    }
  }
}

function resolveReshape(input: number[], target: number[]): number[] {
  const size = input.reduce((a, b) => a * b, 1);
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const free = target.filter((d) => d === -1).length;
  const out = target.map((d) => (d === -1 ? size / known : d));
  if (free > 1 || out.reduce((a, b) => a * b, 1) !== size || out.some((d) => !Number.isInteger(d))) {
    throw new Error(`cannot reshape [${input.join(', ')}] to [${target.join(', ')}]`);
  }
  return out;
}

/** Broadcasts per-sample shapes (batched operands) with constants (full shapes). */
function broadcastPerSample(operands: { shape: number[]; batched: boolean }[]): number[] {
  let full: number[] = [];
  for (const o of operands) {
    full = tf.backend_util.assertAndGetBroadcastShape(full, o.batched ? [1, ...o.shape] : o.shape);
  }
  if (full.length === 0 || full[0] !== 1) throw new Error('a constant operand would change the batch dimension');
  return full.slice(1);
}
