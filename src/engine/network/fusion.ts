import * as tf from '@tensorflow/tfjs-core';
import { kernelActivation } from './activations';
import type { IrNode, SpatialPadding } from './ir';
import { explicitPadding } from './shapes';

export type WeightedNode = Extract<IrNode, { kind: 'conv2d' | 'depthwiseConv2d' | 'dense' }>;
type ConvNode = Extract<IrNode, { kind: 'conv2d' | 'depthwiseConv2d' }>;
type PadNode = Extract<IrNode, { kind: 'pad' }>;

/** What one frozen op computes for a conv/dense node and the nodes fused into it. */
export interface WeightedChain {
  /** The conv/dense node; a zero pad before it folded into its padding and inputs. */
  node: WeightedNode;
  /** Every IR node the op computes, in order. */
  members: IrNode[];
  affines: Extract<IrNode, { kind: 'affine' }>[];
  activation: Extract<IrNode, { kind: 'activation' }> | undefined;
  maxPool: Extract<IrNode, { kind: 'maxPool' }> | undefined;
}

/** The only node that reads `name`, when nothing else (no other node, no caller) needs it. */
export type SoleReader = (name: string) => IrNode | undefined;

/**
 * A zero pad (ZeroPadding2D, Pad) read only by a convolution becomes part of that
 * convolution's padding: no separate pad forward, no slice backward.
 */
export function padFoldsIntoConv(node: IrNode, soleReader: SoleReader): node is PadNode {
  if (node.kind !== 'pad' || node.value !== 0 || node.padding.length !== 3) return false;
  const [, , channels] = node.padding as [unknown, unknown, readonly [number, number]];
  const reader = soleReader(node.name);
  return channels[0] === 0 && channels[1] === 0 && (reader?.kind === 'conv2d' || reader?.kind === 'depthwiseConv2d');
}

/**
 * The conv/dense node with what follows it and nothing else reads: batch norms (affines) while
 * the output is still linear, then an activation the kernel can fuse, then, for convolutions,
 * a max pool. The conv's input pad is folded in when `padFoldsIntoConv` said so.
 */
export function weightedChain(
  node: WeightedNode, soleReader: SoleReader, byName: Map<string, IrNode>, shapes: Map<string, number[]>,
): WeightedChain {
  const source = byName.get(node.inputs[0] as string);
  const padded = source && padFoldsIntoConv(source, soleReader) && node.kind !== 'dense'
    ? withPadFolded(node, source, shapes) : undefined;
  const chain: WeightedChain = {
    node: padded ?? node, members: padded ? [source as IrNode, node] : [node], affines: [], activation: undefined, maxPool: undefined,
  };
  const next = (): IrNode | undefined => soleReader((chain.members[chain.members.length - 1] as IrNode).name);
  if (node.activation.kind === 'linear') {
    for (let n = next(); n?.kind === 'affine'; n = next()) {
      chain.affines.push(n);
      chain.members.push(n);
    }
    const n = next();
    if (n?.kind === 'activation' && kernelActivation(n.activation)) chain.members.push((chain.activation = n));
  }
  const n = next();
  if (node.kind !== 'dense' && n?.kind === 'maxPool' && kernelActivation(chain.activation?.activation ?? node.activation)) {
    chain.members.push((chain.maxPool = n));
  }
  return chain;
}

function withPadFolded(conv: ConvNode, pad: PadNode, shapes: Map<string, number[]>): ConvNode {
  const [h, w, c] = shapes.get(pad.name) as [number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    [1, h, w, c], conv.kernel.shape, [conv.strides[0], conv.strides[1]], 1, explicitPadding(conv.padding), undefined,
    conv.kind === 'depthwiseConv2d');
  const [[pt, pb], [pl, pr]] = pad.padding as [readonly [number, number], readonly [number, number]];
  const padding: SpatialPadding = [[info.padInfo.top + pt, info.padInfo.bottom + pb], [info.padInfo.left + pl, info.padInfo.right + pr]];
  return { ...conv, padding, inputs: pad.inputs };
}
