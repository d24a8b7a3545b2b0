/**
 * Between a live VisualPromptModel and the plain data of a prompt file: capture what a model has
 * learnt (now, or as a snapshot read later), and load a file's prompt, scale and mapping into a
 * fresh model (import, predict, evaluate, continue training).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { VPDesign } from '../../core/design/design';
import { BayesianMapping } from '../mapping/bayesianMapping';
import { FullyMapping, IndexMapping, type MappingState } from '../mapping/labelMapping';
import type { PromptState } from '../prompt/prompter';
import { type SourceModel, VisualPromptModel } from '../train/visualPromptModel';
import { imageSideOf, type PromptFile } from './promptFile';

export interface LearntState {
  prompt: PromptState;
  mapping: MappingState;
}

/** The design fields that shape the prompt and mapping: a file's values win over a request's. */
const STRUCTURAL = ['baseSize', 'inputScale', 'trainableResize', 'prompt', 'promptActivation', 'patchSize', 'promptRank', 'labelMapping', 'k', 'interval', 'identityInit'] as const;

/** `design` with the structure of the file's prompt (training settings stay as given). */
export function designFor(file: PromptFile, design: VPDesign = file.manifest.config): VPDesign {
  const out: VPDesign = { ...design };
  const from = file.manifest.config;
  for (const k of STRUCTURAL) (out as unknown as Record<string, unknown>)[k] = from[k];
  return out;
}

/** Loads the file's prompt, scale and mapping into a model of the same structure. */
export function loadPromptInto(model: VisualPromptModel, file: PromptFile): void {
  const m = file.manifest;
  if (model.source.input.canvas !== m.model.inputSize) {
    throw new Error(`The prompt is ${m.model.inputSize}×${m.model.inputSize} but the model takes ${model.source.input.canvas}×${model.source.input.canvas} inputs.`);
  }
  if (model.source.numSource !== m.model.numSource) {
    throw new Error(`The prompt maps ${m.model.numSource} source outputs but the model has ${model.source.numSource}.`);
  }
  if (model.numTarget !== m.targetClasses.length) {
    throw new Error(`The prompt has ${m.targetClasses.length} classes, the model was built for ${model.numTarget}.`);
  }
  model.prompter.load(file.prompt.delta, m.trainableResize ? file.prompt.scale : undefined, file.prompt.tensors);
  const mapping = file.mapping;
  if (mapping.kind === 'fully') {
    if (!(model.mapping instanceof FullyMapping)) throw new Error('the model has no FullyMap to load into');
    model.mapping.load(mapping.weight, mapping.bias);
  } else if ('omega' in mapping) {
    if (!(model.mapping instanceof BayesianMapping)) throw new Error('the model has no BLM mapping to load into');
    model.mapping.setOmega(mapping.omega);
  } else {
    if (!(model.mapping instanceof IndexMapping)) throw new Error('the model has no one-to-one mapping to load into');
    model.mapping.setAssignment(mapping.assignment);
  }
}

/** A new model on `source` holding the file's prompt (design: the file's, or `design` with the file's structure). */
export function modelFromPromptFile(source: SourceModel, file: PromptFile, design?: VPDesign): VisualPromptModel {
  const model = new VisualPromptModel(source, designFor(file, design), file.manifest.targetClasses.length);
  try {
    loadPromptInto(model, file);
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * What the model has learnt at this moment, read later: the tensors are cloned synchronously
 * (an optimiser step afterwards gives the variables new data and leaves the clones alone), then
 * downloaded when the returned function is called. Call it exactly once.
 */
export function snapshotModel(model: VisualPromptModel): () => Promise<LearntState> {
  const { prompter, mapping, design } = model;
  const delta = prompter.pattern();
  const learnt = prompter.cloneLearntTensors();
  const scale = prompter.scale?.clone() ?? null;
  const mask = prompter.mask();
  const fully = mapping instanceof FullyMapping ? [mapping.weight.clone(), mapping.bias.clone()] as const : null;
  const assignment = mapping instanceof IndexMapping ? mapping.assignment.map((a) => [...a]) : null;
  // ω is replaced, never changed in place, between counts: the current array is the snapshot.
  const omega = mapping instanceof BayesianMapping ? mapping.omega : null;
  return async () => {
    try {
      const [d, mk, s, w, b] = await Promise.all([
        delta.data() as Promise<Float32Array>,
        mask.data() as Promise<Float32Array>,
        scale ? (scale.data() as Promise<Float32Array>) : Promise.resolve(null),
        fully ? (fully[0].data() as Promise<Float32Array>) : Promise.resolve(null),
        fully ? (fully[1].data() as Promise<Float32Array>) : Promise.resolve(null),
      ]);
      const canvas = prompter.input.canvas;
      const sv = s ? (s[0] as number) : design.inputScale;
      const prompt: PromptState = { canvas, delta: d, mask: mk, scale: sv, imageSize: imageSideOf(design, sv, canvas) };
      if (learnt) prompt.tensors = await downloadAll(learnt);
      const { numSource, numTarget } = mapping;
      let state: MappingState;
      if (w && b) state = { kind: 'fully', weight: w, bias: b, numSource, numTarget };
      else if (omega && mapping instanceof BayesianMapping) state = { kind: mapping.kind, omega, numSource, numTarget };
      else if (mapping instanceof IndexMapping) state = { kind: mapping.kind, k: design.k, assignment: assignment ?? [] };
      else throw new Error(`no snapshot for a ${mapping.kind} mapping`);
      return { prompt, mapping: state };
    } finally {
      tf.dispose([delta, mask, ...(scale ? [scale] : []), ...(fully ?? []), ...Object.values(learnt ?? {})]);
    }
  };
}

async function downloadAll(tensors: Record<string, tf.Tensor>): Promise<Record<string, Float32Array>> {
  const entries = Object.entries(tensors);
  const values = await Promise.all(entries.map(([, t]) => t.data() as Promise<Float32Array>));
  return Object.fromEntries(entries.map(([name], i) => [name, values[i] as Float32Array]));
}
