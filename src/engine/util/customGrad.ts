import * as tf from '@tensorflow/tfjs-core';

type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

/**
 * tf.customGrad for a function of one tensor, with usable types (tfjs types the callback as
 * variadic over tensors and the save function).
 */
export function customGradOf<T extends tf.Tensor>(
  f: (x: tf.Tensor, save: tf.GradSaveFunc) => { value: T; gradFunc: GradFunc },
): (x: tf.Tensor) => T {
  const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) =>
    f(args[0] as tf.Tensor, args[1] as tf.GradSaveFunc)) as Parameters<typeof tf.customGrad>[0]);
  return (x) => op(x) as T;
}
