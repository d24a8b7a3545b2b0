/**
 * Node-only (node --import tsx --import ./bench/lib/nodeHooks.mjs): the engine registers tfjs's
 * gradients with `import '@tensorflow/tfjs-core/dist/register_all_gradients'`, an ES module
 * tree Node cannot load (extension-less imports). tfjs-layers' Node bundle registers the same
 * gradients in tfjs's global registry, so that import is pointed at it.
 */
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier === '@tensorflow/tfjs-core/dist/register_all_gradients') return next('@tensorflow/tfjs-layers', context);
  return next(specifier, context);
}`)}`,
  import.meta.url,
);
