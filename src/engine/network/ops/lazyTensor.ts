import * as tf from '@tensorflow/tfjs-core';

/** A constant derived on first use (often inside a gradient's tidy scope) and kept until disposed. */
export class LazyTensor<T extends tf.Tensor> {
  private value: T | undefined;

  constructor(private readonly make: () => T) {}

  get(): T {
    this.value ??= tf.keep(tf.tidy(this.make));
    return this.value;
  }

  dispose(): void {
    this.value?.dispose();
    this.value = undefined;
  }
}
