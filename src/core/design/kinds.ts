/**
 * The kinds of each choice of a visual-prompting design, with their names and explanations: the
 * one list the form, the URL, the CLI, the search, the run records and the views read. Adding a
 * label mapping or a prompt shape is one row here and its module in the engine.
 */

export interface Kind<Id extends string = string> {
  id: Id;
  /** The method's own name (FreqMap, …), used in reports and run names. */
  name: string;
  /** The form's option text. */
  label: string;
  /** One or two sentences for the form. */
  hint?: string;
}

export const LABEL_MAPPINGS = [
  {
    id: 'fully',
    name: 'FullyMap',
    label: 'FullyMap (learnt linear layer)',
    hint: 'A trainable linear layer turns the model’s outputs into your classes. Works for any number of classes.',
  },
  {
    id: 'freq',
    name: 'FreqMap',
    label: 'FreqMap (most frequent source labels)',
    hint: 'Each class takes the k source labels the model most often predicts for its images (counted once, before training).',
  },
  {
    id: 'iter',
    name: 'IterMap',
    label: 'IterMap (FreqMap, recomputed)',
    hint: 'FreqMap recomputed every few epochs while the prompt trains.',
  },
  {
    id: 'semantic',
    name: 'SemanticMap',
    label: 'SemanticMap (class names)',
    hint: 'Matches your class names to the model’s class names by CLIP’s text embeddings when CLIP is downloaded already, else through WordNet; works when your classes are nameable things the model knows. Not for text-image models.',
  },
  {
    id: 'random',
    name: 'RandomMap',
    label: 'Random mapping',
    hint: 'Each class takes k random source labels (a baseline).',
  },
  {
    id: 'blm',
    name: 'BLM',
    label: 'BLM (Bayesian, weighted many-to-many)',
    hint: 'Every class reads all source labels, weighted by how often the model predicts each one for that class’s images (recounted before every epoch). k is not used.',
  },
  {
    id: 'blmplus',
    name: 'BLM+',
    label: 'BLM+ (Bayesian, top-k probabilities)',
    hint: 'As BLM, but each image adds the model’s probabilities of its top 15% most likely source labels instead of one vote, so near misses count too. k is not used.',
  },
] as const satisfies readonly Kind[];

export const PROMPT_SHAPES = [
  { id: 'pad', name: 'padding', label: 'Padding frame around the image' },
  { id: 'full', name: 'full', label: 'Full image (additive everywhere)' },
  { id: 'patch', name: 'patch', label: 'Square patch in the top-left corner' },
  {
    id: 'lowrank',
    name: 'LoR-VP',
    label: 'Low-rank pattern over the whole image (LoR-VP)',
    hint: 'The image fills the model’s input; the added pattern is, per colour channel, a product B·A of rank r (LoR-VP, ICLR 2025).',
  },
  {
    id: 'smm',
    name: 'SMM',
    label: 'Sample-specific masks (SMM)',
    hint: 'The image fills the model’s input; a small CNN draws a 3-channel mask per image that weights a shared pattern (SMM, ICML 2024).',
  },
] as const satisfies readonly Kind[];

export const PROMPT_ACTIVATIONS = [
  { id: 'sigmoid', name: 'sigmoid', label: 'sigmoid(δ) — bounded, for image classifiers' },
  { id: 'identity', name: 'identity', label: 'δ — unbounded, as for CLIP' },
] as const satisfies readonly Kind[];

export const OPTIMIZERS = [
  { id: 'adam', name: 'Adam', label: 'Adam' },
  { id: 'sgd', name: 'SGD', label: 'SGD with momentum' },
] as const satisfies readonly Kind[];

export const SCHEDULES = [
  { id: 'step', name: 'step', label: '×0.1 at 50% and 72% (AutoVP, Adam)' },
  { id: 'cosine', name: 'cosine', label: 'Cosine decay (AutoVP, SGD)' },
  { id: 'constant', name: 'constant', label: 'Constant' },
] as const satisfies readonly Kind[];

export type LabelMappingKind = (typeof LABEL_MAPPINGS)[number]['id'];
export type PromptKind = (typeof PROMPT_SHAPES)[number]['id'];
export type PromptActivation = (typeof PROMPT_ACTIVATIONS)[number]['id'];
export type OptimizerKind = (typeof OPTIMIZERS)[number]['id'];
export type ScheduleKind = (typeof SCHEDULES)[number]['id'];

/** The one-to-one mappings: each class reads k source labels of its own (the only ones k applies to). */
const ONE_TO_ONE_MAPPINGS = ['freq', 'iter', 'semantic', 'random'] as const satisfies readonly LabelMappingKind[];
export type OneToOneMappingKind = (typeof ONE_TO_ONE_MAPPINGS)[number];
export const isOneToOne = (id: LabelMappingKind): id is OneToOneMappingKind =>
  (ONE_TO_ONE_MAPPINGS as readonly string[]).includes(id);

/** Bayesian-guided label mappings (Cai et al., NeurIPS 2024): a weight matrix ω recounted every epoch. */
export type BayesianMappingKind = Extract<LabelMappingKind, 'blm' | 'blmplus'>;
export const isBayesian = (id: LabelMappingKind): id is BayesianMappingKind => id === 'blm' || id === 'blmplus';

/** The method's name of a label mapping (FullyMap, FreqMap, …). */
export const mappingName = (id: LabelMappingKind): string => LABEL_MAPPINGS.find((m) => m.id === id)?.name ?? id;

/** Prompt kinds that resize the image to the model's whole input (no input scale, no frame). */
export const fillsInput = (kind: PromptKind): boolean => kind === 'lowrank' || kind === 'smm';
