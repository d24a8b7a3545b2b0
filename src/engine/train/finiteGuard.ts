import * as tf from '@tensorflow/tfjs-core';

/**
 * Keeps the trainable values whose loss was last finite, so a diverging run (a learning rate far
 * too high, a model whose outputs overflow) ends on the last usable prompt instead of NaN. It
 * reads nothing from the device: the caller hands in the loss each step already downloads.
 * `tf.clone` shares the data until a variable is reassigned, so a copy costs no transfer.
 */
export class FiniteGuard {
  private good: tf.Tensor[] | null = null;
  private goodStep: number | null = null;
  private pending: tf.Tensor[] | null = null;

  constructor(private readonly variables: readonly tf.Variable[]) {}

  /** Before step `step` (0-based): the values its loss is computed on. */
  before(): void {
    tf.dispose(this.pending ?? []);
    this.pending = this.variables.map((v) => tf.clone(v));
  }

  /** After step `step` with its loss: true when finite (those values become the good ones). */
  after(step: number, loss: number): boolean {
    const pending = this.pending;
    this.pending = null;
    if (Number.isFinite(loss)) {
      tf.dispose(this.good ?? []);
      this.good = pending;
      this.goodStep = step;
      return true;
    }
    tf.dispose(pending ?? []);
    return false;
  }

  /**
   * Puts the last good values back into the variables; returns the 0-based step whose loss they
   * gave (null: no step had a finite loss, the variables are left as they are).
   */
  restore(): number | null {
    if (!this.good) return null;
    this.variables.forEach((v, i) => v.assign(this.good?.[i] as tf.Tensor));
    return this.goodStep;
  }

  dispose(): void {
    tf.dispose([...(this.good ?? []), ...(this.pending ?? [])]);
    this.good = null;
    this.pending = null;
  }
}
