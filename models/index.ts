import type { ModelManifest } from '../src/engine/models/manifest';
import clipVitB32 from './clip-vit-base-patch32.json';
import darknetReference from './darknet-reference.json';
import darknetTiny from './darknet-tiny.json';
import mobilenetV1 from './mobilenet-v1-imagenet.json';
import mobilenetV2Imagenet from './mobilenet-v2-imagenet.json';
import inceptionV3 from './nsfwjs-inception-v3.json';
import mobilenetV2Mid from './nsfwjs-mobilenet-v2-mid.json';
import mobilenetV2 from './nsfwjs-mobilenet-v2.json';

/**
 * Every model the app offers out of the box; the first is the default: darknet-tiny, a real
 * ImageNet-1k classifier committed under models/darknet-tiny. Bundled models work offline from
 * install; hub models are downloaded from their public URL on first use and then kept in the
 * browser's cache. The nsfwjs models have ImageNet backbones but 5-class content heads.
 */
export const MODELS: ModelManifest[] = [
  darknetTiny as ModelManifest,
  mobilenetV2 as ModelManifest,
  mobilenetV2Mid as ModelManifest,
  inceptionV3 as ModelManifest,
  darknetReference as ModelManifest,
  mobilenetV1 as ModelManifest,
  mobilenetV2Imagenet as ModelManifest,
  clipVitB32 as unknown as ModelManifest, // JSON arrays are not tuples; checked in clipManifest.test.ts
];

/** Models the user added (kept in IndexedDB); registered by whoever reads them (worker, UI). */
let userModels: ModelManifest[] = [];

/** Replaces the list of the user's own models known in this JavaScript context. */
export function registerUserModels(manifests: readonly ModelManifest[]): void {
  userModels = manifests.filter((m) => m.weights.kind === 'user' && !MODELS.some((b) => b.id === m.id));
}

/**
 * Built-in manifests as the files they were loaded from describe them (a CLIP checkpoint's
 * config.json gives its input size), registered by whoever read those files (the worker).
 */
const refined = new Map<string, ModelManifest>();

/** Replaces a built-in model's manifest in this JavaScript context with one read from its files. */
export function registerRefinedModel(manifest: ModelManifest): void {
  if (MODELS.some((b) => b.id === manifest.id)) refined.set(manifest.id, manifest);
}

const builtIn = (m: ModelManifest) => refined.get(m.id) ?? m;

/** Built-in models followed by the user's own. */
export function allModels(): ModelManifest[] {
  return [...MODELS.map(builtIn), ...userModels];
}

export function findModel(id: string): ModelManifest | undefined {
  const b = MODELS.find((m) => m.id === id);
  return b ? builtIn(b) : userModels.find((m) => m.id === id);
}

/** Number of source classes a manifest declares (inline names or the count of the file it names). */
export function sourceClassCount(manifest: Pick<ModelManifest, 'sourceClasses'>): number {
  return Array.isArray(manifest.sourceClasses) ? manifest.sourceClasses.length : manifest.sourceClasses.count;
}
