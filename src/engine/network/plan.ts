import * as tf from '@tensorflow/tfjs-core';
import { padFoldsIntoConv, weightedChain } from './fusion';
import type { IrGraph, IrNode } from './ir';
import type { FrozenOp } from './ops/frozenOp';
import { plainOp, weightedOp } from './stepOps';

type Step = { kind: 'input' } | { kind: 'constant'; value: tf.Tensor } | { kind: 'op'; op: FrozenOp; inputs: number[] };

/** Ops shared by all plans of a network, keyed by the IR nodes they implement. */
export type OpCache = Map<string, FrozenOp>;

/**
 * The steps that compute a given set of outputs. Conv/dense nodes absorb the zero pad before
 * them and the batch norms, activation and max pool after them when nothing else reads (or asks
 * for) the intermediate tensors, so the fusion depends on the requested outputs: one plan per
 * output set.
 */
export class Plan {
  private readonly steps: Step[] = [];
  private readonly uses: number[] = [];
  private readonly outputSteps: number[];

  /**
   * batchSummedInput: the caller uses the input gradient only summed over the batch
   * (ApplyOptions.inputGradient 'batchSum'); the ops that read the input are told so.
   */
  constructor(
    graph: IrGraph,
    shapes: Map<string, number[]>,
    outputs: readonly string[],
    ops: OpCache,
    private readonly batchSummedInput = false,
  ) {
    const byName = new Map(graph.nodes.map((n) => [n.name, n]));
    const needed = neededNodes(byName, outputs);
    const consumers = new Map<string, IrNode[]>();
    for (const n of graph.nodes) {
      if (!needed.has(n.name)) continue;
      for (const i of new Set(n.inputs)) consumers.set(i, [...(consumers.get(i) ?? []), n]);
    }
    const pinned = new Set(outputs);
    const soleReader = (name: string): IrNode | undefined => {
      const readers = consumers.get(name) ?? [];
      const reader = readers[0];
      return !pinned.has(name) && readers.length === 1 && reader?.inputs.length === 1 ? reader : undefined;
    };

    const stepOf = new Map<string, number>();
    const absorbed = new Set<string>();
    const add = (names: string[], step: Step): void => {
      for (const n of names) stepOf.set(n, this.steps.length);
      this.steps.push(step);
      this.uses.push(0);
    };
    const inputsOf = (n: IrNode): number[] => n.inputs.map((i) => stepOf.get(i) as number);
    const cached = (key: string, make: () => FrozenOp): FrozenOp => {
      let op = ops.get(key);
      if (!op) ops.set(key, (op = make()));
      return op;
    };

    for (const node of graph.nodes) {
      if (!needed.has(node.name) || absorbed.has(node.name)) continue;
      if (node.kind === 'input') {
        add([node.name], { kind: 'input' });
      } else if (node.kind === 'constant') {
        add([node.name], { kind: 'constant', value: node.value });
      } else if (padFoldsIntoConv(node, soleReader)) {
        continue; // computed by the convolution that reads it
      } else if (node.kind === 'conv2d' || node.kind === 'depthwiseConv2d' || node.kind === 'dense') {
        const chain = weightedChain(node, soleReader, byName, shapes);
        const names = chain.members.map((n) => n.name);
        for (const n of names) absorbed.add(n);
        add(names, {
          kind: 'op',
          op: cached(JSON.stringify(names), () => weightedOp(chain)),
          inputs: inputsOf(chain.node),
        });
      } else {
        add([node.name], {
          kind: 'op',
          op: cached(node.name, () => plainOp(node, shapes.get(node.name) as number[])),
          inputs: inputsOf(node),
        });
      }
    }
    for (const step of this.steps) if (step.kind === 'op') for (const i of step.inputs) (this.uses[i] as number)++;
    this.outputSteps = outputs.map((o) => stepOf.get(o) as number);
  }

  run(x: tf.Tensor4D): tf.Tensor[] {
    return tf.tidy(() => {
      const values: tf.Tensor[] = [];
      const remaining = [...this.uses];
      const pinned = new Set(this.outputSteps);
      this.steps.forEach((step, index) => {
        if (step.kind !== 'op') {
          values[index] = step.kind === 'input' ? x : step.value;
          return;
        }
        const inputs = step.inputs.map((i) => values[i] as tf.Tensor);
        // Only where x is the op's sole input: its gradient then reaches x and nothing else.
        const hints =
          this.batchSummedInput && inputs.length === 1 && inputs[0] === x
            ? { inputGradSummedOverBatch: true }
            : undefined;
        const y = tf.tidy(() => step.op.apply(inputs, hints));
        values[index] = inputs.includes(y) ? tf.clone(y) : y;
        for (const i of step.inputs) {
          remaining[i] = (remaining[i] as number) - 1;
          if (remaining[i] === 0 && !pinned.has(i) && this.steps[i]?.kind === 'op') values[i]?.dispose();
        }
      });
      // Callers own what they get: the input, a constant or a repeated output comes as a fresh handle.
      const handedOut = new Set<number>();
      return this.outputSteps.map((i) => {
        const value = values[i] as tf.Tensor;
        const owned = this.steps[i]?.kind === 'op' && !handedOut.has(i);
        handedOut.add(i);
        return owned ? value : tf.clone(value);
      });
    });
  }
}

function neededNodes(byName: Map<string, IrNode>, outputs: readonly string[]): Set<string> {
  const needed = new Set<string>();
  const stack = [...outputs];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (needed.has(name)) continue;
    needed.add(name);
    stack.push(...(byName.get(name)?.inputs ?? []));
  }
  return needed;
}
