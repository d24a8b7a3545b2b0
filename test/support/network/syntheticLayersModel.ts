import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * A small Keras model through every layer type the executor supports: convolutions with
 * strides 1 and 2 and same/valid padding, depthwise convolutions with multipliers 1 and 2,
 * batch norms, every activation, overlapping and tiled max/average pools (same and valid,
 * padded and with a remainder), add, multiply, concatenate, reshape, flatten, dense. Its last
 * layer, "logits", is a Dense with softmax.
 */
export function syntheticLayersModel(): tfl.LayersModel {
  const L = tfl.layers;
  const input = tfl.input({ shape: [15, 15, 3] });
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]): tfl.SymbolicTensor =>
    layer.apply(x) as tfl.SymbolicTensor;

  const padded = apply(L.zeroPadding2d({ padding: [[1, 0], [0, 1]] }), input); // 16×16×3
  const c1 = apply(L.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }), padded);
  const c2 = apply(L.leakyReLU({ alpha: 0.2 }), apply(L.batchNormalization(),
    apply(L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', useBias: false }), c1))); // 7×7×8
  const c3 = apply(L.reLU({ maxValue: 6 }), apply(L.batchNormalization(),
    apply(L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same' }), c1))); // 8×8×8
  const p1 = apply(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), c1); // 8×8×8
  // tfjs's own AvgPoolGrad divides by the full window even where 'same' padding cuts it short,
  // so the autodiff reference could not check a padded average pool: that case is in ops.test.ts.
  const p2 = apply(L.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same' }), c1); // 8×8×8
  // zero pad → conv → batch norm → leaky ReLU → max pool, all fused into one op (darknet's pattern).
  const padded2 = apply(L.zeroPadding2d({ padding: [[1, 2], [2, 1]] }), input); // 18×18×3
  const c4 = apply(L.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }), apply(L.leakyReLU({ alpha: 0.1 }),
    apply(L.batchNormalization(), apply(L.conv2d({ filters: 4, kernelSize: 3, padding: 'valid', useBias: false }), padded2)))); // 8×8×4
  const cat1 = apply(L.concatenate(), [c3, p1, p2, c4]); // 8×8×28
  const d1 = apply(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu6' }), cat1); // 4×4×56
  const d2 = apply(L.activation({ activation: 'elu' }),
    apply(L.depthwiseConv2d({ kernelSize: 3, padding: 'valid' }), c2)); // 5×5×8
  const p3 = apply(L.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }), d2); // 3×3×8, padded tiles
  const p4 = apply(L.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid' }), c2); // 3×3×8, remainder row
  const p5 = apply(L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'valid' }), p3); // 2×2×8
  const p6 = apply(L.maxPooling2d({ poolSize: 2, strides: 1, padding: 'valid' }), p4); // 2×2×8, overlapping
  const sum = apply(L.add(), [p5, p6]);
  const product = apply(L.batchNormalization(), apply(L.multiply(), [p5, p6]));
  const e1 = apply(L.softmax({ axis: -1 }), apply(L.conv2d({ filters: 8, kernelSize: 1, activation: 'tanh' }), sum));
  const e2 = apply(L.activation({ activation: 'swish' }), product);
  const f1 = apply(L.averagePooling2d({ poolSize: 2, strides: 2, padding: 'valid' }),
    apply(L.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'sigmoid' }), d1)); // 2×2×16
  const cat2 = apply(L.concatenate(), [e1, e2, f1]); // 2×2×32
  const pooled = apply(L.globalAveragePooling2d({}), d1); // 56
  const features = apply(L.concatenate(), [pooled, apply(L.flatten(), cat2)]); // 184
  const hidden = apply(L.dropout({ rate: 0.5 }), apply(L.dense({ units: 16, activation: 'elu' }), features));
  const reshaped = apply(L.flatten(), apply(L.reshape({ targetShape: [4, 4] }), apply(L.activation({ activation: 'linear' }), hidden)));
  const logits = apply(L.dense({ units: 6, activation: 'softmax', name: 'logits' }), reshaped);
  const model = tfl.model({ inputs: input, outputs: logits });
  randomizeWeights(model);
  return model;
}

/** Random weights, with positive batch-norm variances, so batch norms do real work. */
function randomizeWeights(model: tfl.LayersModel): void {
  let seed = 1;
  model.setWeights(model.weights.map((w) => {
    const shape = w.shape as number[];
    return w.originalName.endsWith('moving_variance')
      ? tf.randomUniform(shape, 0.5, 1.5, 'float32', seed++)
      : tf.randomNormal(shape, 0, 0.4, 'float32', seed++);
  }));
}
