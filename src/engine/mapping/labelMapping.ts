import * as tf from '@tensorflow/tfjs-core';
import { type BayesianMappingKind, isBayesian, type LabelMappingKind, type OneToOneMappingKind } from '../../core/design/kinds';
import type { MappingDesign } from '../../core/design/design';
import { Rng } from '../../core/util/rng';
import { type Assignment, checkCapacity, randomAssignment } from './assignments';
import { BayesianMapping } from './bayesianMapping';

/** What a mapping is, as it leaves the engine (exports, views). */
export type MappingState =
  | { kind: OneToOneMappingKind; k: number; assignment: Assignment }
  | { kind: 'fully'; weight: Float32Array; bias: Float32Array; numSource: number; numTarget: number }
  /** BLM / BLM+: ω row-major [numSource, numTarget], empty until first counted. */
  | { kind: BayesianMappingKind; omega: Float32Array; numSource: number; numTarget: number };

/** False while a counted mapping (FreqMap, IterMap, BLM) waits for its first count. */
export function isMappingComputed(state: MappingState): boolean {
  if ('assignment' in state) return state.assignment.length > 0;
  if ('omega' in state) return state.omega.length > 0;
  return true;
}

/** Output label mapping: source logits [B, S] → target logits [B, T]. */
export interface LabelMapping {
  readonly kind: LabelMappingKind;
  readonly numSource: number;
  readonly numTarget: number;
  apply(sourceLogits: tf.Tensor2D): tf.Tensor2D;
  variables(): tf.Variable[];
  /** True when the mapping must be (re)counted (FreqMap, IterMap, BLM's ω) before training epoch `epoch`. */
  needsFrequencyUpdate(epoch: number): boolean;
  state(): Promise<MappingState>;
  dispose(): void;
}

/**
 * One-to-one mappings (random, freq, iter, semantic): the target logit is the mean of its k source
 * logits, computed as a product with a fixed averaging matrix, whose gradient needs no
 * scatter kernel (wasm has none).
 */
export class IndexMapping implements LabelMapping {
  private matrix: tf.Tensor2D | null = null;
  private current: Assignment = [];

  constructor(
    readonly kind: OneToOneMappingKind,
    readonly numSource: number,
    readonly numTarget: number,
    readonly k: number,
    readonly interval: number,
  ) {}

  get assignment(): Assignment {
    return this.current;
  }

  setAssignment(assignment: Assignment): void {
    if (assignment.length !== this.numTarget || assignment.some((a) => a.length !== this.k)) {
      throw new Error(`mapping must list ${this.k} source labels for each of ${this.numTarget} classes`);
    }
    const m = new Float32Array(this.numSource * this.numTarget);
    assignment.forEach((sources, t) => {
      for (const s of sources) {
        if (!Number.isInteger(s) || s < 0 || s >= this.numSource) throw new Error(`source label ${s} out of range`);
        m[s * this.numTarget + t] = 1 / this.k;
      }
    });
    this.matrix?.dispose();
    this.matrix = tf.tensor2d(m, [this.numSource, this.numTarget]);
    this.current = assignment.map((a) => [...a]);
  }

  apply(sourceLogits: tf.Tensor2D): tf.Tensor2D {
    if (!this.matrix) throw new Error(`the ${this.kind} mapping has not been computed yet`);
    return tf.matMul(sourceLogits, this.matrix);
  }

  variables(): tf.Variable[] {
    return [];
  }

  needsFrequencyUpdate(epoch: number): boolean {
    if (this.kind === 'freq') return epoch === 0 && !this.matrix;
    if (this.kind === 'iter') return epoch % Math.max(1, this.interval) === 0;
    return false;
  }

  async state(): Promise<MappingState> {
    return { kind: this.kind, k: this.k, assignment: this.current.map((a) => [...a]) };
  }

  dispose(): void {
    this.matrix?.dispose();
    this.matrix = null;
  }
}

/** FullyMap: a trainable linear layer on the source logits (PyTorch nn.Linear initialisation). */
export class FullyMapping implements LabelMapping {
  readonly kind = 'fully' as const;
  readonly weight: tf.Variable<tf.Rank.R2>;
  readonly bias: tf.Variable<tf.Rank.R1>;

  constructor(
    readonly numSource: number,
    readonly numTarget: number,
    options: { seed: number; identityInit: boolean; name: string },
  ) {
    const w = new Float32Array(numSource * numTarget);
    const b = new Float32Array(numTarget);
    if (options.identityInit) {
      for (let t = 0; t < Math.min(numSource, numTarget); t++) w[t * numTarget + t] = 1;
    } else {
      const rng = new Rng(options.seed);
      const bound = 1 / Math.sqrt(numSource);
      for (let i = 0; i < w.length; i++) w[i] = (2 * rng.next() - 1) * bound;
      for (let i = 0; i < b.length; i++) b[i] = (2 * rng.next() - 1) * bound;
    }
    this.weight = tf.tidy(() =>
      tf.variable(tf.tensor2d(w, [numSource, numTarget]), true, `${options.name}/mapping_weight`),
    );
    this.bias = tf.tidy(() => tf.variable(tf.tensor1d(b), true, `${options.name}/mapping_bias`));
  }

  apply(sourceLogits: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(sourceLogits, this.weight), this.bias));
  }

  variables(): tf.Variable[] {
    return [this.weight, this.bias];
  }

  needsFrequencyUpdate(): boolean {
    return false;
  }

  load(weight: Float32Array, bias: Float32Array): void {
    tf.tidy(() => {
      this.weight.assign(tf.tensor2d(weight, [this.numSource, this.numTarget]));
      this.bias.assign(tf.tensor1d(bias));
    });
  }

  async state(): Promise<MappingState> {
    const [weight, bias] = await Promise.all([this.weight.data(), this.bias.data()]);
    return {
      kind: 'fully',
      weight: weight as Float32Array,
      bias: bias as Float32Array,
      numSource: this.numSource,
      numTarget: this.numTarget,
    };
  }

  dispose(): void {
    this.weight.dispose();
    this.bias.dispose();
  }
}

/**
 * Build the mapping a design asks for. Random mappings are assigned at once; freq/iter and
 * BLM/BLM+ wait for the first count; semantic is assigned from class names before training
 * (mapping/semantic: classNameSimilarity, semanticMapping, then setSemanticAssignment).
 */
export function createLabelMapping(
  design: MappingDesign,
  numSource: number,
  numTarget: number,
  seed: number,
  name: string,
): LabelMapping {
  if (design.labelMapping === 'fully') {
    return new FullyMapping(numSource, numTarget, { seed, identityInit: design.identityInit, name });
  }
  if (isBayesian(design.labelMapping)) return new BayesianMapping(design.labelMapping, numSource, numTarget);
  checkCapacity(numSource, numTarget, design.k);
  const mapping = new IndexMapping(design.labelMapping, numSource, numTarget, design.k, design.interval);
  if (design.labelMapping === 'random') mapping.setAssignment(randomAssignment(numSource, numTarget, design.k, seed));
  return mapping;
}
