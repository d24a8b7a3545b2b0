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
    label: 'SemanticMap (class names, via WordNet)',
    hint: 'Matches your class names to the model’s class names through WordNet; works when your classes are nameable things the model knows. Not for text-image models.',
  },
  {
    id: 'random',
    name: 'RandomMap',
    label: 'Random mapping',
    hint: 'Each class takes k random source labels (a baseline).',
  },
] as const satisfies readonly Kind[];

export const PROMPT_SHAPES = [
  { id: 'pad', name: 'padding', label: 'Padding frame around the image' },
  { id: 'full', name: 'full', label: 'Full image (additive everywhere)' },
  { id: 'patch', name: 'patch', label: 'Square patch in the top-left corner' },
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

/** The method's name of a label mapping (FullyMap, FreqMap, …). */
export const mappingName = (id: LabelMappingKind): string => LABEL_MAPPINGS.find((m) => m.id === id)?.name ?? id;
