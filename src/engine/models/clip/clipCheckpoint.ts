import { parseClipConfig } from './clipConfig';
import { ClipModel } from './clipModel';
import { ClipTokenizer } from './clipTokenizer';
import { ClipWeights } from './clipWeights';

/** The files of a CLIP checkpoint as the Hugging Face hub lays them out. */
export const CLIP_FILES = { config: 'config.json', weights: 'model.safetensors', tokenizer: 'tokenizer.json' } as const;

export interface ClipCheckpointFiles {
  config: Uint8Array;
  weights: Uint8Array;
  tokenizer: Uint8Array;
}

export interface ClipCheckpoint {
  model: ClipModel;
  tokenizer: ClipTokenizer;
}

function parseJson(bytes: Uint8Array, name: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error(`${name} is not valid JSON (a damaged download, or not the checkpoint's ${name}?).`);
  }
}

/** Builds CLIP (weights as tfjs tensors) and its tokenizer from a checkpoint's three files. */
export function buildClipCheckpoint(files: ClipCheckpointFiles): ClipCheckpoint {
  const config = parseClipConfig(parseJson(files.config, CLIP_FILES.config));
  const tokenizer = new ClipTokenizer(parseJson(files.tokenizer, CLIP_FILES.tokenizer), config.text.maxPositions);
  return { model: new ClipModel(config, ClipWeights.fromSafetensors(files.weights, config)), tokenizer };
}
