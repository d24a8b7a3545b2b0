import * as tf from '@tensorflow/tfjs-core';

/**
 * Constant filters a backward pass builds on first use (one-hot, ones), kept for the op's
 * lifetime: wasm caches XNNPACK operators per filter tensor, so reusing the same tensor
 * avoids repacking them every step.
 */
export class KernelCache {
  private readonly kernels = new Map<string, tf.Tensor>();

  get<T extends tf.Tensor = tf.Tensor4D>(key: string, make: () => T): T {
    let k = this.kernels.get(key) as T | undefined;
    if (!k) this.kernels.set(key, (k = tf.keep(tf.tidy(make))));
    return k;
  }

  dispose(): void {
    for (const k of this.kernels.values()) k.dispose();
    this.kernels.clear();
  }
}
