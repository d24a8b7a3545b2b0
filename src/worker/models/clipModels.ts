/**
 * CLIP in the worker: a built-in 'clip' manifest names its model.safetensors on the Hugging Face
 * hub; config.json and tokenizer.json sit beside it. The three files come through the hub cache
 * (Cache Storage, so the second visit is offline) and the mirror (tests). The checkpoint stays in
 * memory while CLIP is the model in use; a source model is built from it for each run's class
 * names (its text head), and freeing that source model leaves the checkpoint loaded.
 */
import { MODELS, registerRefinedModel } from '../../../models';
import type { TextEncoderLoader } from '../../engine/mapping/semantic/clipSimilarity';
import { buildClipCheckpoint, type ClipCheckpoint, type ClipCheckpointFiles } from '../../engine/models/clip/clipCheckpoint';
import { clipHubRepoOf, clipUrlsBeside, downloadClipFiles, fetchHubFile, isClipCached } from '../../engine/models/clip/clipHub';
import { clipConfigOf, refineClipManifest } from '../../engine/models/clip/clipManifest';
import { createClipSourceModel } from '../../engine/models/clip/clipSource';
import type { ClipCheckpointRef } from '../../engine/models/clip/clipTextHead';
import type { FetchLike, LoadProgress } from '../../engine/models/loadArtifacts';
import type { ModelManifest } from '../../engine/models/manifest';
import type { SourceModel } from '../../engine/train/visualPromptModel';
import { hubMirror, modelCache } from './modelCache';

type ClipUrls = ReturnType<typeof clipUrlsBeside>;

export const isClipManifest = (m: ModelManifest): boolean => m.format === 'clip';

function urlsOf(manifest: ModelManifest): ClipUrls {
  if (manifest.weights.kind !== 'hub') throw new Error(`${manifest.name}: only CLIP checkpoints on the hub are supported in the app.`);
  return clipUrlsBeside(manifest.weights.url);
}

/** The hub repository the weights come from, recorded in prompt files. */
function checkpointRef(manifest: ModelManifest): ClipCheckpointRef | undefined {
  const repo = manifest.weights.kind === 'hub' ? clipHubRepoOf(manifest.weights.url) : null;
  return repo ? { kind: 'hub', repo } : undefined;
}

const plainFetch = (url: string) => fetch(url);

/** Registers the manifest as the checkpoint's config.json describes it (its input size above all). */
function refine(manifest: ModelManifest, config: Uint8Array): ModelManifest {
  const refined = refineClipManifest(manifest, clipConfigOf(config));
  registerRefinedModel(refined);
  return refined;
}

/** Whether all three files are cached; when they are, the manifest is refined from the cached config. */
export async function clipCached(manifest: ModelManifest): Promise<boolean> {
  const urls = urlsOf(manifest);
  const cache = modelCache();
  if (!(await isClipCached(urls, cache).catch(() => false))) return false;
  const config = await fetchHubFile(urls.config, plainFetch, { cache, mirror: hubMirror() }).catch(() => null);
  if (config) refine(manifest, config);
  return true;
}

/** Downloads (or reads from the cache) the checkpoint's three files, with progress over all three. */
export async function downloadClip(manifest: ModelManifest, onProgress: LoadProgress): Promise<ClipCheckpointFiles> {
  const files = await downloadClipFiles(urlsOf(manifest), plainFetch, {
    cache: modelCache(),
    mirror: hubMirror(),
    onProgress,
    expectedBytes: manifest.sizeBytes,
  });
  refine(manifest, files.config);
  return files;
}

export async function removeClipFromCache(manifest: ModelManifest): Promise<void> {
  const cache = modelCache();
  for (const url of Object.values(urlsOf(manifest))) await cache.delete(url);
}

/** The checkpoint in memory (weights as tensors), if any. */
let held: { id: string; checkpoint: ClipCheckpoint } | null = null;

/** Frees the checkpoint's weights (another model, a backend switch). */
export function releaseClip(): void {
  held?.checkpoint.model.dispose();
  held = null;
}

/**
 * What a CLIP source model needs before any tensor is made: the checkpoint in memory already, or
 * its files (downloaded or cached).
 */
export type ClipInputs = { checkpoint: ClipCheckpoint } | { files: ClipCheckpointFiles };

export async function clipInputs(manifest: ModelManifest, onProgress: LoadProgress): Promise<ClipInputs> {
  if (held?.id === manifest.id) return { checkpoint: held.checkpoint };
  return { files: await downloadClip(manifest, onProgress) };
}

/** The source model of CLIP for these class names (one source class per class: the zero-shot head). */
export function clipSourceModel(manifest: ModelManifest, inputs: ClipInputs, classNames: readonly string[]): SourceModel {
  if ('files' in inputs) {
    releaseClip();
    held = { id: manifest.id, checkpoint: buildClipCheckpoint(inputs.files) };
  }
  const { model, tokenizer } = (held as { checkpoint: ClipCheckpoint }).checkpoint;
  const checkpoint = checkpointRef(manifest);
  return createClipSourceModel(model, tokenizer, classNames, { ownsModel: false, ...(checkpoint ? { checkpoint } : {}) });
}

/** Reads cached files only: SemanticMap never starts CLIP's download. */
const cacheOnly: FetchLike = () => Promise.reject(new Error('not in the cache any more'));

/**
 * SemanticMap's text encoder in the app: the built-in CLIP when its three files are in the
 * browser's cache already, else null (the names are matched through WordNet).
 */
export const cachedClipTextEncoder: TextEncoderLoader = async () => {
  const manifest = MODELS.find(isClipManifest);
  if (!manifest || !(await clipCached(manifest))) return null;
  const files = await downloadClipFiles(urlsOf(manifest), cacheOnly, { cache: modelCache() });
  const ref = checkpointRef(manifest);
  return { name: ref?.kind === 'hub' ? ref.repo : manifest.name, clip: buildClipCheckpoint(files) };
};
