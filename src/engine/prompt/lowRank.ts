import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../core/util/rng';

/** Standard deviation of A's initial values (LoR-VP's 'zero,normal' init: B = 0, A ~ N(0, 0.01²)). */
const LOW_RANK_INIT_STD = 0.01;

/** Names of the factors in exports: B [3, C, r] and A [3, r, C], channel first as in LoR-VP. */
export const LOW_RANK_B = 'lowrank_b';
export const LOW_RANK_A = 'lowrank_a';

/**
 * LoR-VP's additive pattern: per colour channel a rank-r matrix B·A (B C×r, A r×C), recomputed
 * at every forward pass. B starts at zero, so the pattern starts at zero, as in LoRA.
 */
export class LowRankPattern {
  readonly b: tf.Variable<tf.Rank.R3>;
  readonly a: tf.Variable<tf.Rank.R3>;

  constructor(
    readonly canvas: number,
    readonly rank: number,
    name: string,
    seed: number,
  ) {
    const rng = new Rng(seed).fork();
    const a = Float32Array.from({ length: 3 * rank * canvas }, () => LOW_RANK_INIT_STD * rng.normal());
    this.b = tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R3>([3, canvas, rank]), true, `${name}/${LOW_RANK_B}`));
    this.a = tf.tidy(() => tf.variable(tf.tensor3d(a, [3, rank, canvas]), true, `${name}/${LOW_RANK_A}`));
  }

  variables(): tf.Variable[] {
    return [this.b, this.a];
  }

  /** The factors by export name. */
  named(): [string, tf.Variable][] {
    return [[LOW_RANK_B, this.b], [LOW_RANK_A, this.a]];
  }

  /** The pattern [C, C, 3] (channels last, as the engine's images). */
  pattern(): tf.Tensor3D {
    return tf.tidy(() => tf.transpose(tf.matMul(this.b, this.a), [1, 2, 0]) as tf.Tensor3D);
  }

  async tensors(): Promise<Record<string, Float32Array>> {
    const [b, a] = await Promise.all([this.b.data(), this.a.data()]);
    return { [LOW_RANK_B]: b as Float32Array, [LOW_RANK_A]: a as Float32Array };
  }

  load(tensors: Readonly<Record<string, Float32Array>>): void {
    const b = tensors[LOW_RANK_B];
    const a = tensors[LOW_RANK_A];
    const [sb, sa] = [this.b.shape, this.a.shape];
    if (!b || !a || b.length !== 3 * this.canvas * this.rank || a.length !== b.length) {
      throw new Error(`a rank-${this.rank} prompt on a ${this.canvas}-pixel canvas needs ${LOW_RANK_B} [${sb.join(', ')}] and ${LOW_RANK_A} [${sa.join(', ')}]`);
    }
    tf.tidy(() => {
      this.b.assign(tf.tensor3d(b, sb));
      this.a.assign(tf.tensor3d(a, sa));
    });
  }

  dispose(): void {
    this.b.dispose();
    this.a.dispose();
  }
}

/** The factors' shapes by export name. */
export const lowRankShapes = (canvas: number, rank: number): Record<string, number[]> => ({
  [LOW_RANK_B]: [3, canvas, rank],
  [LOW_RANK_A]: [3, rank, canvas],
});

/** Trainable values of a low-rank prompt: 2 · 3 · canvas · rank. */
export const lowRankParameters = (canvas: number, rank: number): number => 2 * 3 * canvas * rank;
