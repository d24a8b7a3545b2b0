import type * as tf from '@tensorflow/tfjs-core';
import { isGraphTopology, parseGraphTopology } from './graphTopology';
import { graphToIr } from './graphToIr';
import type { IrGraph } from './ir';
import { parseLayersTopology } from './layersTopology';
import { layersToIr } from './layersToIr';
import { type OpCache, Plan } from './plan';
import { type InferredShapes, inferShapes } from './shapes';
import type { ApplyOptions, FrozenNetwork, NetworkTensor } from './types';
import { WeightStore } from './weights';

export interface FrozenNetworkOptions {
  /**
   * [height, width] to run the network at. Required when the model leaves its input size
   * open; otherwise it overrides the declared size where the topology permits (fully
   * convolutional models), and building fails with the reason where it does not.
   */
  inputSize?: readonly [number, number];
}

/**
 * Rebuilds a tfjs model (Keras layers format or TF graph-model format, i.e. what model.json
 * plus its weight shards decode to) as an interpreter over tfjs-core ops with frozen weights.
 * Unsupported layers/ops throw an Error naming the layer or node and its type.
 */
export function buildFrozenNetwork(artifacts: tf.io.ModelArtifacts, options: FrozenNetworkOptions = {}): FrozenNetwork {
  const topology = artifacts.modelTopology;
  if (topology instanceof ArrayBuffer)
    throw new Error('Binary (protobuf) graph models are not supported; convert to model.json.');
  const weights = new WeightStore(artifacts);
  try {
    const graph = isGraphTopology(topology)
      ? graphToIr(parseGraphTopology(topology), weights)
      : layersToIr(parseLayersTopology(topology), weights);
    const inputShape = resolveInputShape(graph, options);
    const inferred = inferShapes(graph, inputShape);
    const declared = graph.inputShape[0] === inputShape[0] && graph.inputShape[1] === inputShape[1];
    const [firstFailure] = inferred.failures.values();
    // At the declared size the whole model must run; at another size, a head that needs the
    // declared size (Flatten + Dense) is left out and the backbone stays usable.
    if (declared && firstFailure !== undefined) throw new Error(`Malformed model: ${firstFailure}`);
    if (graph.nodes.every((n) => n.kind === 'input' || n.kind === 'constant' || inferred.failures.has(n.name))) {
      throw new Error(`Nothing in the model can run at input size ${inputShape[0]}×${inputShape[1]}: ${firstFailure}`);
    }
    return new InterpretedNetwork(graph, inputShape, inferred, weights);
  } catch (e) {
    weights.dispose();
    throw e;
  }
}

function resolveInputShape(graph: IrGraph, options: FrozenNetworkOptions): [number, number, number] {
  const [h, w, c] = graph.inputShape;
  const [height, width] = options.inputSize ?? [h, w];
  if (height == null || width == null) {
    throw new Error('The model does not fix its input size; pass options.inputSize = [height, width].');
  }
  return [height, width, c];
}

class InterpretedNetwork implements FrozenNetwork {
  readonly tensors: readonly NetworkTensor[];
  readonly parameterCount: number;
  private readonly shapes: Map<string, number[]>;
  private readonly failures: Map<string, string>;
  private readonly plans = new Map<string, Plan>();
  private readonly ops: OpCache = new Map();
  private disposed = false;

  constructor(
    private readonly graph: IrGraph,
    readonly inputShape: readonly [number, number, number],
    { shapes, failures }: InferredShapes,
    private readonly weights: WeightStore,
  ) {
    this.shapes = shapes;
    this.failures = failures;
    this.parameterCount = weights.parameterCount;
    this.tensors = graph.nodes
      .filter((n) => n.kind !== 'constant' && shapes.has(n.name))
      .map((n) => ({ name: n.name, shape: this.shapes.get(n.name) as number[] }));
  }

  apply(x: tf.Tensor4D, outputs: readonly string[], options: ApplyOptions = {}): tf.Tensor[] {
    if (this.disposed) throw new Error('This network has been disposed.');
    const [, h, w, c] = x.shape;
    const [eh, ew, ec] = this.inputShape;
    if (x.rank !== 4 || h !== eh || w !== ew || c !== ec) {
      throw new Error(`The network expects input [batch, ${eh}, ${ew}, ${ec}], got [${x.shape.join(', ')}].`);
    }
    const batchSummed = options.inputGradient === 'batchSum';
    const key = JSON.stringify([outputs, batchSummed]);
    let plan = this.plans.get(key);
    if (!plan) {
      const known = new Set(this.tensors.map((t) => t.name));
      for (const o of outputs) {
        const failure = this.failures.get(o);
        if (failure !== undefined) throw new Error(`"${o}" cannot be computed at input size ${eh}×${ew}: ${failure}`);
        if (!known.has(o)) throw new Error(`The network has no tensor named "${o}".`);
      }
      plan = new Plan(this.graph, this.shapes, outputs, this.ops, batchSummed);
      this.plans.set(key, plan);
    }
    return plan.run(x);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const op of this.ops.values()) op.dispose();
    this.ops.clear();
    this.plans.clear();
    this.weights.dispose();
  }
}
