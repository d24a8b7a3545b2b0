/**
 * Frozen pretrained networks for visual prompting: a tfjs model (Keras layers or TF graph
 * format) rebuilt over tfjs-core ops, differentiable with respect to its input only, with
 * backward passes made of forward kernels that every backend (wasm included) runs fast.
 *
 * Gradients of the plain ops it uses (add, mul, relu, reshape, …) come from tfjs's gradient
 * registry: the app must load it once (`@tensorflow/tfjs-core/dist/register_all_gradients`, or
 * any of @tensorflow/tfjs / tfjs-layers, whose Node bundles register it).
 */
export { buildFrozenNetwork } from './buildFrozenNetwork';
export type { FrozenNetwork, NetworkTensor } from './types';
