import * as tf from '@tensorflow/tfjs-core';

/**
 * The decoded weights of a model plus every tensor derived from them at build time
 * (folded batch norms, transposed kernels): one owner, so `dispose` frees them all.
 */
export class WeightStore {
  private readonly byName: Map<string, tf.Tensor>;
  private readonly owned: tf.Tensor[] = [];
  readonly parameterCount: number;

  constructor(artifacts: tf.io.ModelArtifacts) {
    const specs = artifacts.weightSpecs ?? [];
    if (specs.length > 0 && artifacts.weightData == null) {
      throw new Error('The model lists weights but carries no weight data (were the weight shards loaded?).');
    }
    const decoded = specs.length === 0 ? {} : tf.io.decodeWeights(artifacts.weightData as tf.io.WeightData, specs);
    // Kept: a network built inside a tf.tidy must outlive it.
    this.byName = new Map(Object.entries(decoded).map(([name, t]) => [name, tf.keep(t)]));
    this.owned.push(...this.byName.values());
    let count = 0;
    for (const t of this.byName.values()) if (t.dtype === 'float32') count += t.size;
    this.parameterCount = count;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The weight called `name`; `owner` names the layer or node for the error message. */
  get(name: string, owner: string): tf.Tensor {
    const exact = this.byName.get(name);
    if (exact) return exact;
    // Some exporters prefix weight names with the model's name ("model/conv1/kernel").
    const suffixed = [...this.byName.keys()].filter((k) => k.endsWith(`/${name}`));
    if (suffixed.length === 1) return this.byName.get(suffixed[0] as string) as tf.Tensor;
    throw new Error(`${owner} needs the weight "${name}", which the weight manifest does not contain.`);
  }

  /** Takes ownership of a tensor derived at build time. */
  own<T extends tf.Tensor>(t: T): T {
    this.owned.push(tf.keep(t));
    return t;
  }

  dispose(): void {
    for (const t of this.owned) t.dispose();
    this.owned.length = 0;
    this.byName.clear();
  }
}
