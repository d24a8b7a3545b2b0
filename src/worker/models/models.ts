/**
 * Source models in the worker: bundled ones served by the app, hub ones fetched through the
 * browser's cache, and the user's own from IndexedDB. One source model stays in memory at a time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { allModels, findModel, registerUserModels } from '../../../models';
import { loadClassNames, sourceClassCount } from '../../engine/models/classNames';
import { isModelCached, removeModelFromCache as removeFromCache } from '../../engine/models/hubCache';
import { checkGradientPath, inspectArtifacts, MAX_MODEL_BYTES, type ModelInspection, ModelRefusal } from '../../engine/models/inspectModel';
import { loadModelArtifacts, type LoadProgress } from '../../engine/models/loadArtifacts';
import type { ClassNamesRef, ModelManifest } from '../../engine/models/manifest';
import { SourceModelHolder } from '../../engine/models/modelHolder';
import { createSourceModel } from '../../engine/models/sourceModel';
import {
  artifactsFromFiles,
  CLASS_NAME_FILES,
  parseSidecarClassNames,
  type UserModelChoices,
  userManifest,
} from '../../engine/models/userModel';
import type { SourceModel } from '../../engine/train/visualPromptModel';
import type { ModelDownloadProgress, ModelListEntry, ModelMemory, UserModelInspectResult, UserModelSaveResult, UserModelSource } from '../api/modelsApi';
import { appUrl } from '../context';
import { clipCached, clipInputs, clipSourceModel, downloadClip, isClipManifest, releaseClip, removeClipFromCache } from './clipModels';
import { hubFetch, modelCache } from './modelCache';
import { deleteStoredModel, getStoredArtifacts, listStoredModels, putStoredModel } from './userModelStore';

const holder = new SourceModelHolder();

// ---------------------------------------------------------------------------------------------
// the user's models: read from IndexedDB once, then kept registered in models/index.ts

let userModelsRead: Promise<void> | null = null;

function ensureUserModels(): Promise<void> {
  userModelsRead ??= listStoredModels()
    .then(registerUserModels)
    .catch(() => {
      userModelsRead = null; // IndexedDB unavailable now: try again next time
    });
  return userModelsRead;
}

async function refreshUserModels(): Promise<void> {
  userModelsRead = null;
  await ensureUserModels();
}

async function manifestOf(id: string): Promise<ModelManifest> {
  await ensureUserModels();
  const manifest = findModel(id);
  if (!manifest) throw new Error(`Unknown model "${id}": it may have been deleted.`);
  return manifest;
}

// ---------------------------------------------------------------------------------------------
// loading

/** Absolute class-name URLs go through the hub cache; relative ones are served by the app. */
const isAbsolute = (url: string) => /^[a-z][a-z0-9+.-]*:/i.test(url);
const classUrl = (ref: ClassNamesRef) => (isAbsolute(ref.url) ? ref.url : appUrl(ref.url));
const cachedExtras = (m: ModelManifest) => (!Array.isArray(m.sourceClasses) && isAbsolute(m.sourceClasses.url) ? [m.sourceClasses.url] : []);

async function fetchArtifacts(manifest: ModelManifest, onProgress: LoadProgress): Promise<tf.io.ModelArtifacts> {
  const w = manifest.weights;
  if (w.kind === 'bundled') return loadModelArtifacts(appUrl(w.path), (url) => fetch(url), onProgress);
  if (w.kind === 'hub') {
    const artifacts = await loadModelArtifacts(w.url, hubFetch(), onProgress, { maxBytes: MAX_MODEL_BYTES });
    // Class names travel with the weights so that the model works offline afterwards.
    await modelClassNames(manifest.id).catch(() => undefined);
    return artifacts;
  }
  const artifacts = await getStoredArtifacts(manifest.id);
  if (!artifacts) throw new Error(`${manifest.name} is not stored in this browser any more: add it again.`);
  const bytes = (artifacts.weightData as ArrayBuffer).byteLength;
  onProgress(bytes, bytes);
  return artifacts;
}

/** The holder's key: a CLIP source model is built for one list of class names. */
const sourceKey = (id: string, classNames: readonly string[] | undefined) => (classNames ? [id, ...classNames].join('\u0000') : id);
const loadedModelId = () => holder.loadedId?.split('\u0000')[0] ?? null;

/**
 * The source model of `id`. A text-image model (CLIP) is built for the run's target classes
 * (`classNames`, required for it): they become its source classes through its text tower.
 */
export async function getSourceModel(id: string, onProgress: LoadProgress, classNames?: readonly string[]): Promise<SourceModel> {
  const manifest = await manifestOf(id);
  if (isClipManifest(manifest)) {
    if (!classNames?.length) throw new Error(`${manifest.name} builds its classifier from class names: none were given.`);
    return holder.get(sourceKey(id, classNames), () => clipInputs(manifest, onProgress), (inputs) => clipSourceModel(manifest, inputs, classNames));
  }
  return holder.get(id, () => fetchArtifacts(manifest, onProgress), (artifacts) => {
    releaseClip();
    return createSourceModel(manifest, artifacts);
  });
}

/** Free the loaded model's weights (model switch, backend switch). */
export function releaseSourceModel(): void {
  holder.release();
  releaseClip();
}

export function modelMemory(): ModelMemory {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes, loadedModelId: loadedModelId() };
}

// ---------------------------------------------------------------------------------------------
// the list, the cache

async function entryOf(listed: ModelManifest): Promise<ModelListEntry> {
  const w = listed.weights;
  const origin = w.kind;
  let cached = true;
  if (isClipManifest(listed)) cached = await clipCached(listed).catch(() => false);
  else if (w.kind === 'hub') cached = await isModelCached(w.url, modelCache(), cachedExtras(listed)).catch(() => false);
  // A cached CLIP checkpoint's config.json refines its manifest (input size).
  const manifest = findModel(listed.id) ?? listed;
  return { manifest, origin, cached, sourceClassCount: sourceClassCount(manifest), loaded: loadedModelId() === manifest.id };
}

export async function listModels(): Promise<ModelListEntry[]> {
  await ensureUserModels();
  return Promise.all(allModels().map(entryOf));
}

export async function downloadModel(id: string, onProgress: (p: ModelDownloadProgress) => void): Promise<ModelListEntry> {
  const manifest = await manifestOf(id);
  const w = manifest.weights;
  if (w.kind !== 'hub') return entryOf(manifest);
  if (isClipManifest(manifest)) {
    await downloadClip(manifest, (loadedBytes, totalBytes) => onProgress({ loadedBytes, totalBytes }));
    return entryOf(manifest);
  }
  await loadModelArtifacts(w.url, hubFetch(), (loadedBytes, totalBytes) => onProgress({ loadedBytes, totalBytes }), { maxBytes: MAX_MODEL_BYTES });
  await modelClassNames(id);
  return entryOf(manifest);
}

export async function removeModelFromCache(id: string): Promise<ModelListEntry> {
  const manifest = await manifestOf(id);
  const w = manifest.weights;
  if (isClipManifest(manifest)) await removeClipFromCache(manifest);
  else if (w.kind === 'hub') await removeFromCache(w.url, modelCache(), cachedExtras(manifest));
  return entryOf(manifest);
}

export async function modelClassNames(id: string): Promise<string[]> {
  const manifest = await manifestOf(id);
  const ref = manifest.sourceClasses;
  if (Array.isArray(ref)) return ref;
  const url = classUrl(ref);
  return loadClassNames(ref, url, isAbsolute(ref.url) ? hubFetch() : (u) => fetch(u));
}

// ---------------------------------------------------------------------------------------------
// the user's own models

interface Draft {
  id: string;
  artifacts: tf.io.ModelArtifacts;
  inspection: ModelInspection;
  origin: { url?: string; files?: string[] };
  classNames: string[] | null;
}

/** One draft at a time: a new inspection replaces (and frees) the previous one. */
let draft: Draft | null = null;

const refusal = (e: unknown): { status: 'refused'; code: ModelRefusal['code']; message: string } =>
  e instanceof ModelRefusal
    ? { status: 'refused', code: e.code, message: e.message }
    : { status: 'refused', code: 'not-a-model', message: e instanceof Error ? e.message : String(e) };

const suggestName = (source: string) =>
  source.replace(/\?.*$/, '').replace(/\/?model\.json$/i, '').split('/').filter(Boolean).pop() ?? 'My model';

export async function inspectUserModel(
  source: UserModelSource,
  onProgress: (p: ModelDownloadProgress) => void,
): Promise<UserModelInspectResult> {
  draft = null;
  try {
    let artifacts: tf.io.ModelArtifacts;
    let weightBytes: number;
    let origin: Draft['origin'];
    let label: string;
    let classNames: string[] | null = null;
    if (source.kind === 'files') {
      const files = source.files.map((f) => ({ path: f.path, size: f.file.size, file: f.file }));
      const read = await artifactsFromFiles(files, (f) => f.file.arrayBuffer());
      ({ artifacts, weightBytes } = read);
      origin = { files: read.files };
      const modelPath = read.files[0] as string;
      label = modelPath.includes('/') ? modelPath.slice(0, modelPath.lastIndexOf('/')) : modelPath;
      const sidecar = files.find((f) => CLASS_NAME_FILES.test(f.path) && f.path !== modelPath && f.size < 5_000_000);
      if (sidecar) classNames = parseSidecarClassNames(sidecar.path, await sidecar.file.text());
    } else {
      const url = source.url.trim();
      if (!/^https?:\/\//i.test(url)) throw new ModelRefusal('not-a-model', 'Give the full address of a model.json, starting with https://.');
      artifacts = await loadModelArtifacts(url, (u) => fetch(u), (loadedBytes, totalBytes) => onProgress({ loadedBytes, totalBytes }), {
        maxBytes: MAX_MODEL_BYTES,
      });
      weightBytes = (artifacts.weightData as ArrayBuffer).byteLength;
      origin = { url };
      label = url;
    }
    const inspection = inspectArtifacts(artifacts, weightBytes);
    const id = `draft-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    draft = { id, artifacts, inspection, origin, classNames };
    return { status: 'inspected', draft: { draftId: id, source: label, suggestedName: suggestName(label), inspection, classNames } };
  } catch (e) {
    if (e instanceof ModelRefusal) return refusal(e);
    const message = e instanceof Error ? e.message : String(e);
    if (/is missing|HTTP|Could not fetch/.test(message)) return { status: 'refused', code: 'missing-files', message };
    if (/bytes but model\.json describes/.test(message)) return { status: 'refused', code: 'wrong-shapes', message };
    if (/at most \d+ MB/.test(message)) return { status: 'refused', code: 'too-large', message };
    return refusal(e);
  }
}

export async function saveUserModel(draftId: string, choices: UserModelChoices): Promise<UserModelSaveResult> {
  const d = draft;
  if (!d || d.id !== draftId) return { status: 'refused', code: 'not-a-model', message: 'This model is no longer waiting to be added: add it again.' };
  const { inspection } = d;
  const source = inspection.outputs.find((o) => o.name === choices.sourceOutput);
  if (!source) return { status: 'refused', code: 'no-outputs', message: `"${choices.sourceOutput}" is not one of this model's outputs.` };
  const slug = choices.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'model';
  const id = `user-${slug}-${Date.now().toString(36)}`;
  const names = choices.classNames ?? d.classNames ?? undefined;
  const manifest = userManifest(id, inspection, { ...choices, ...(names ? { classNames: names } : {}) }, d.origin, source.size);
  try {
    // Build it the way training will, and check that the chosen output passes gradients.
    const built = createSourceModel(manifest, d.artifacts);
    try {
      checkGradientPath(built.network, manifest.sourceOutput);
    } finally {
      built.network.dispose();
    }
    await putStoredModel(manifest, d.artifacts);
  } catch (e) {
    return refusal(e);
  }
  draft = null;
  await refreshUserModels();
  return { status: 'saved', entry: await entryOf(manifest) };
}

export async function discardUserModel(draftId: string): Promise<void> {
  if (draft?.id === draftId) draft = null;
}

export async function deleteUserModel(id: string): Promise<void> {
  const manifest = await manifestOf(id);
  if (manifest.weights.kind !== 'user') throw new Error(`${manifest.name} is not one of your models.`);
  if (loadedModelId() === id) holder.release();
  await deleteStoredModel(id);
  await refreshUserModels();
}
void ensureUserModels();
