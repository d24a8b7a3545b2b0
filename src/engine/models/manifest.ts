/**
 * What a pretrained model is and how to use it for visual prompting. One JSON file per model
 * lives in the project's models/ folder; a user's own model gets one built by inspection.
 */
export interface ModelManifest {
  id: string;
  name: string;
  /** One honest sentence: what the network is and what its source outputs are. */
  summary: string;
  /** Data the backbone and the head were trained on. */
  trainedOn: string;
  license: string;
  /** Where the weights come from. */
  weights: ModelWeightsOrigin;
  /** 'clip': a CLIP checkpoint in the Hugging Face layout (config.json, model.safetensors, tokenizer.json). */
  format: 'layers' | 'graph' | 'clip';
  /** Square input side the model expects (its canvas). */
  inputSize: number;
  /** Range the model expects input values in, e.g. [0, 1] or [-1, 1]. */
  valueRange: [number, number];
  /** Optional per-channel normalisation applied after mapping to valueRange. */
  normalization?: { mean: [number, number, number]; std: [number, number, number] };
  /** Tensor used as the source logits (pre-softmax) for label mapping. */
  sourceOutput: string;
  /** Penultimate features for the linear-probing baseline. */
  featureOutput: string;
  /** Names of the source classes in the model's output order (or where to fetch them). */
  sourceClasses: string[] | ClassNamesRef;
  /** Download size of the weights in bytes (for the picker). */
  sizeBytes: number;
  /** Anything a user should know (e.g. a retrained head). */
  notes?: string;
  /** The model is a text-image model (CLIP-like): SemanticMap does not apply, prompts are unbounded. */
  textImage?: boolean;
  /** Network family in a few words, e.g. "MobileNetV2 1.0 (TF-Hub, graph)". */
  architecture?: string;
  /** Weights (parameters) of the whole network, for the picker. */
  parameterCount?: number;
  /** How the source classes are ordered, in words (e.g. "torchvision order, 'background' first"). */
  classOrder?: string;
}

/**
 * Class names kept outside the manifest: fetched (and cached) with the weights. A relative `url`
 * is served by the app itself (e.g. generated/classes/…); an absolute one goes through the same
 * cache and mirror as hub weights. `count` is known up front, for the picker and capacity checks.
 */
export interface ClassNamesRef {
  url: string;
  count: number;
  /** 'json': a JSON array of strings. 'js-array': a JS module whose default export is an array literal of strings. */
  format?: 'json' | 'js-array';
}

export type ModelWeightsOrigin =
  /**
   * Served by the app itself from public/<path>, prepared at install (scripts/prepare-assets.mjs)
   * from an npm package (`package`, e.g. "nsfwjs@4.4.0") or from a folder committed to this
   * repository (`folder`, e.g. "models/darknet-tiny"). `url` and `homepage`: where the same files
   * are public, for people who want them outside the app.
   */
  | { kind: 'bundled'; path: string; package?: string; folder?: string; url?: string; homepage?: string }
  /** Fetched from a public URL on first use, then cached in the browser. */
  | { kind: 'hub'; url: string; homepage?: string }
  /** The user's own files or URL, kept in this browser (IndexedDB 'autovp-models'). */
  | { kind: 'user'; url?: string; files?: string[]; addedAt?: number };
