import type { LabelMappingKind, OptimizerKind, PromptActivation, PromptKind, ScheduleKind } from '../../../core/design/kinds';

export const SCALES = [0.5, 1, 1.5];

export const MAPPINGS: { id: LabelMappingKind; label: string; hint: string }[] = [
  {
    id: 'fully',
    label: 'FullyMap (learnt linear layer)',
    hint: 'A trainable linear layer turns the model’s outputs into your classes. Works for any number of classes.',
  },
  {
    id: 'freq',
    label: 'FreqMap (most frequent source labels)',
    hint: 'Each class takes the k source labels the model most often predicts for its images (counted once, before training).',
  },
  {
    id: 'iter',
    label: 'IterMap (FreqMap, recomputed)',
    hint: 'FreqMap recomputed every few epochs while the prompt trains.',
  },
  {
    id: 'semantic',
    label: 'SemanticMap (class names, via WordNet)',
    hint: 'Matches your class names to the model’s class names through WordNet; works when your classes are nameable things the model knows. Not for text-image models.',
  },
  { id: 'random', label: 'Random mapping', hint: 'Each class takes k random source labels (a baseline).' },
];

export const PROMPTS: { id: PromptKind; label: string }[] = [
  { id: 'pad', label: 'Padding frame around the image' },
  { id: 'full', label: 'Full image (additive everywhere)' },
  { id: 'patch', label: 'Square patch in the top-left corner' },
];

export const ACTIVATIONS: { id: PromptActivation; label: string }[] = [
  { id: 'sigmoid', label: 'sigmoid(δ) — bounded, for image classifiers' },
  { id: 'identity', label: 'δ — unbounded, as for CLIP' },
];

export const OPTIMIZERS: { id: OptimizerKind; label: string }[] = [
  { id: 'adam', label: 'Adam' },
  { id: 'sgd', label: 'SGD with momentum' },
];

export const SCHEDULES: { id: ScheduleKind; label: string }[] = [
  { id: 'step', label: '×0.1 at 50% and 72% (AutoVP, Adam)' },
  { id: 'cosine', label: 'Cosine decay (AutoVP, SGD)' },
  { id: 'constant', label: 'Constant' },
];
