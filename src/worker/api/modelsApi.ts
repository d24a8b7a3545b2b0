/** Models: bundled (served by the app), hub (public URL, kept in Cache Storage after first use) and the user's own (inspected here, kept in IndexedDB 'autovp-models'). */
import type { ImportFile } from '../../core/import/types';
import type { ModelManifest } from '../../engine/models/manifest';
import type { ModelInspection, ModelRefusalCode, TensorCandidate } from '../../engine/models/inspectModel';
import type { UserModelChoices, ValuePreset } from '../../engine/models/userModel';

export type { ModelInspection, ModelManifest, ModelRefusalCode, TensorCandidate, UserModelChoices, ValuePreset };

export type ModelOrigin = 'bundled' | 'hub' | 'user';

export interface ModelListEntry {
  manifest: ModelManifest;
  origin: ModelOrigin;
  /**
   * Usable offline: bundled models always; hub models once model.json, every shard and the class
   * names are in the browser's cache; the user's models are stored in this browser.
   */
  cached: boolean;
  sourceClassCount: number;
  /** This model's weights are in the worker's memory now. */
  loaded: boolean;
}

export interface ModelDownloadProgress {
  loadedBytes: number;
  totalBytes: number;
}

/** What the user gave as their own model: dropped or picked files, or a model.json URL. */
export type UserModelSource = { kind: 'files'; files: ImportFile[] } | { kind: 'url'; url: string };

/** An inspected model waiting for the user to confirm how to use it. */
export interface UserModelDraft {
  draftId: string;
  /** File names or the URL, for the dialog. */
  source: string;
  suggestedName: string;
  inspection: ModelInspection;
  /** Class names found beside the model (classes.json, labels.txt, metadata.json), if any. */
  classNames: string[] | null;
}

export type UserModelInspectResult =
  { status: 'inspected'; draft: UserModelDraft } | { status: 'refused'; code: ModelRefusalCode; message: string };

export type UserModelSaveResult =
  { status: 'saved'; entry: ModelListEntry } | { status: 'refused'; code: ModelRefusalCode; message: string };

export interface ModelMemory {
  /** tfjs tensors alive in the worker. */
  numTensors: number;
  numBytes: number;
  /** The source model in memory, if any. */
  loadedModelId: string | null;
}

/** What the engine worker offers for models (merged into EngineApi). */
export interface ModelsEngineApi {
  /** Bundled, hub and the user's models, with what is cached. */
  listModels(): Promise<ModelListEntry[]>;
  /** Downloads a hub model's files into the browser's cache now (outside a run). */
  downloadModel(id: string, onProgress: (p: ModelDownloadProgress) => void): Promise<ModelListEntry>;
  /** Removes a hub model's files from the browser's cache. */
  removeModelFromCache(id: string): Promise<ModelListEntry>;
  /** The model's source class names, in its output order. */
  modelClassNames(id: string): Promise<string[]>;
  /** Reads and inspects a model the user brings; keeps it as a draft until saved or discarded. */
  inspectUserModel(
    source: UserModelSource,
    onProgress: (p: ModelDownloadProgress) => void,
  ): Promise<UserModelInspectResult>;
  /** Stores the draft with the user's choices; it then appears in listModels. */
  saveUserModel(draftId: string, choices: UserModelChoices): Promise<UserModelSaveResult>;
  discardUserModel(draftId: string): Promise<void>;
  deleteUserModel(id: string): Promise<void>;
  /** Tests: fetch hub files from a mirror (public URL prefix → replacement prefix); null resets. */
  setHubMirror(mirror: Record<string, string> | null): Promise<void>;
  /** Frees the source model in memory. */
  releaseModel(): Promise<ModelMemory>;
  modelMemory(): Promise<ModelMemory>;
}
