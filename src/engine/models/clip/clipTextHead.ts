/**
 * What a CLIP source model's classes were built from, recorded in a prompt file (manifest
 * `model.clip`) so the same source model can be built again elsewhere (`autovp eval`, the
 * PyTorch loader python/autovp/clip_prompt.py): the checkpoint, its sizes, the templates, the
 * head kind and the class names put into the templates.
 */
import type { ClipConfig } from './clipConfig';

/** How class names become CLIP's source classes (see clipSource.ts). */
export type ClipHeadKind = 'mean' | 'perTemplate';

export const CLIP_HEAD_KINDS: readonly ClipHeadKind[] = ['mean', 'perTemplate'];

/** Where the checkpoint came from: a Hugging Face hub repository, or a local folder (by its name). */
export type ClipCheckpointRef = { kind: 'hub'; repo: string } | { kind: 'folder'; name: string };

/** The sizes of a checkpoint a prompt depends on (from its config.json). */
export interface ClipConfigSummary {
  imageSize: number;
  patchSize: number;
  visionWidth: number;
  visionLayers: number;
  textWidth: number;
  textLayers: number;
  vocabSize: number;
  maxPositions: number;
  projectionDim: number;
}

export interface ClipTextHead {
  /** null when the caller did not say (the prompt then loads on any checkpoint of these sizes). */
  checkpoint: ClipCheckpointRef | null;
  config: ClipConfigSummary;
  /** The templates, "{}" standing for the class name (underscores become spaces). */
  templates: string[];
  head: ClipHeadKind;
  /** The class names put into the templates, in the order of the source classes. */
  classNames: string[];
}

export function clipConfigSummary(c: ClipConfig): ClipConfigSummary {
  return {
    imageSize: c.vision.imageSize,
    patchSize: c.vision.patchSize,
    visionWidth: c.vision.hiddenSize,
    visionLayers: c.vision.layers,
    textWidth: c.text.hiddenSize,
    textLayers: c.text.layers,
    vocabSize: c.text.vocabSize,
    maxPositions: c.text.maxPositions,
    projectionDim: c.projectionDim,
  };
}

/** The sizes that differ, in words ("patchSize 16 (this checkpoint: 32)"); empty when none do. */
export function configDifferences(recorded: ClipConfigSummary, have: ClipConfigSummary): string[] {
  return (Object.keys(recorded) as (keyof ClipConfigSummary)[])
    .filter((k) => recorded[k] !== have[k])
    .map((k) => `${k} ${recorded[k]} (this checkpoint: ${have[k]})`);
}

/** Source classes a head of this kind has: one per class, or one per template and class. */
export function clipHeadSize(head: ClipHeadKind, templates: number, classes: number): number {
  return head === 'mean' ? classes : templates * classes;
}

/** The checkpoint in words: "openai/clip-vit-base-patch32 (Hugging Face hub)" or "the folder tiny-clip". */
export function describeCheckpoint(ref: ClipCheckpointRef | null): string {
  if (!ref) return 'an unnamed CLIP checkpoint';
  return ref.kind === 'hub' ? `${ref.repo} (Hugging Face hub)` : `the CLIP folder ${ref.name}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200;

/**
 * Checks a manifest's `model.clip` and returns why it is not a text head, or null when it is
 * (numSource: the source outputs the manifest records).
 */
export function textHeadProblem(raw: unknown, numSource: number): string | null {
  if (!isObject(raw)) return 'is not an object';
  const ref = raw.checkpoint;
  if (ref !== null) {
    if (!isObject(ref)) return 'has a "checkpoint" that is neither null nor an object';
    if (!(ref.kind === 'hub' && isName(ref.repo)) && !(ref.kind === 'folder' && isName(ref.name)))
      return 'has a "checkpoint" that names neither a hub repo nor a folder';
  }
  const config = raw.config;
  if (!isObject(config)) return 'has no "config" object';
  const keys: (keyof ClipConfigSummary)[] = ['imageSize', 'patchSize', 'visionWidth', 'visionLayers', 'textWidth', 'textLayers', 'vocabSize', 'maxPositions', 'projectionDim'];
  for (const k of keys) {
    const v = config[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) return `has config.${k} ${JSON.stringify(v)}, not a positive integer`;
  }
  const { templates, classNames, head } = raw;
  if (!Array.isArray(templates) || templates.length === 0 || !templates.every((t) => typeof t === 'string' && t.includes('{}')))
    return 'needs "templates": one or more strings, each with "{}" where the class name goes';
  if (!Array.isArray(classNames) || classNames.length === 0 || !classNames.every(isName))
    return 'needs "classNames": the class names put into the templates';
  if (!CLIP_HEAD_KINDS.includes(head as ClipHeadKind)) return `has head ${JSON.stringify(head)}, not one of ${CLIP_HEAD_KINDS.join(', ')}`;
  const size = clipHeadSize(head as ClipHeadKind, templates.length, classNames.length);
  if (size !== numSource)
    return `makes ${size} source classes (${head}, ${templates.length} templates × ${classNames.length} classes) but model.numSource is ${numSource}`;
  return null;
}
