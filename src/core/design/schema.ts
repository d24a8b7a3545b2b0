/**
 * Every design parameter of a visual-prompting run, described once: its kind, range, default,
 * label and help, URL key, CLI flag and the values AutoVP's search tries. The form, the URL state,
 * the CLI options, the search space, the defaults and validation are all derived from this table.
 */
import type { VPDesign } from './design';
import { fillsInput, isOneToOne, type Kind, LABEL_MAPPINGS, OPTIMIZERS, PROMPT_ACTIVATIONS, PROMPT_SHAPES, SCHEDULES } from './kinds';

/** Where the form shows a parameter. */
export type DesignPart = 'input' | 'prompt' | 'mapping' | 'optim';

interface ParamCommon<K extends keyof VPDesign> {
  key: K;
  /** The form's label. */
  label: string;
  /** The parameter in a sentence ("the link's learning rate …"). */
  noun: string;
  /** Help for the CLI (and the form's, where `hint` is absent). */
  help?: string;
  /** A short line under the form's control. */
  hint?: string;
  /** Key in a shared link. */
  url: string;
  /** `--flag` of `autovp train` and `autovp search` (absent: not on the command line). */
  cli?: string;
  /** Placeholder of the CLI value. */
  cliArg?: string;
  part: DesignPart;
  /** The parameter matters only when this holds (the form hides it otherwise). */
  appliesWhen?: (d: VPDesign) => boolean;
}

export interface NumberParam<K extends keyof VPDesign = keyof VPDesign> extends ParamCommon<K> {
  type: 'number' | 'int';
  default: number;
  min: number;
  max: number;
  /** The form's step (`any`: free). */
  step?: number | 'any';
  /** AutoVP's search values (the form offers them as presets). */
  search?: readonly number[];
  /** Values of the second search stage (hyper-parameter tuning of the winner). */
  tune?: readonly number[];
  /** The same for text-image (CLIP-like) models, where AutoVP's values differ. */
  tuneTextImage?: readonly number[];
}

export interface ChoiceParam<K extends keyof VPDesign = keyof VPDesign> extends ParamCommon<K> {
  type: 'choice';
  default: VPDesign[K] & string;
  choices: readonly Kind<VPDesign[K] & string>[];
  search?: readonly (VPDesign[K] & string)[];
}

export interface FlagParam<K extends keyof VPDesign = keyof VPDesign> extends ParamCommon<K> {
  type: 'flag';
  default: boolean;
  search?: readonly boolean[];
}

type ParamOf<K extends keyof VPDesign> = VPDesign[K] extends number
  ? NumberParam<K>
  : VPDesign[K] extends boolean
    ? FlagParam<K>
    : ChoiceParam<K>;

export type DesignParam = { [K in keyof VPDesign]: ParamOf<K> }[keyof VPDesign];

/** One row per field of VPDesign (the type makes a missing or extra row a compile error). */
const SCHEMA: { [K in keyof VPDesign]: ParamOf<K> } = {
  baseSize: {
    key: 'baseSize',
    type: 'int',
    label: 'Base size (px)',
    noun: 'base size',
    help: 'Images are first resized to this square.',
    hint: 'Images are first resized to this square.',
    url: 'base',
    cli: 'base-size',
    cliArg: 'PX',
    part: 'input',
    default: 128,
    min: 8,
    max: 512,
  },
  inputScale: {
    key: 'inputScale',
    type: 'number',
    label: 'Scale (any value)',
    noun: 'input scale',
    help: 'Initial input scale: the base-size image is shown at round(base size · scale) pixels on the canvas.',
    url: 's',
    cli: 'scale',
    cliArg: 'S',
    part: 'input',
    default: 1,
    min: 0.1,
    max: 5,
    step: 0.05,
    search: [0.5, 1, 1.5],
  },
  trainableResize: {
    key: 'trainableResize',
    type: 'flag',
    label: 'Trainable resize',
    noun: 'trainable resize',
    help: 'Learn the scale (one scalar, kept within ×0.1–×5) instead of fixing it.',
    url: 'tr',
    cli: 'trainable-resize',
    part: 'input',
    default: false,
    search: [false, true],
  },
  prompt: {
    key: 'prompt',
    type: 'choice',
    label: 'Prompt',
    noun: 'prompt',
    help: 'Prompt shape: a padding frame, the full image, a patch in the corner, a low-rank pattern (LoR-VP) or sample-specific masks (SMM); the last two resize the image to the model’s whole input.',
    url: 'p',
    cli: 'prompt',
    cliArg: 'KIND',
    part: 'prompt',
    default: 'pad',
    choices: PROMPT_SHAPES,
  },
  patchSize: {
    key: 'patchSize',
    type: 'int',
    label: 'Patch size (px of the canvas)',
    noun: 'patch size',
    help: 'Side of the patch prompt in canvas pixels.',
    url: 'ps',
    cli: 'patch-size',
    cliArg: 'N',
    part: 'prompt',
    appliesWhen: (d) => d.prompt === 'patch',
    default: 32,
    min: 1,
    max: 1024,
  },
  promptRank: {
    key: 'promptRank',
    type: 'int',
    label: 'Rank of the pattern (r)',
    noun: 'prompt rank',
    help: 'Low-rank prompt: rank r of the pattern B·A per colour channel (LoR-VP uses 4); it trains 2 · 3 · canvas · r values.',
    url: 'rank',
    cli: 'rank',
    cliArg: 'R',
    part: 'prompt',
    appliesWhen: (d) => d.prompt === 'lowrank',
    default: 4,
    min: 1,
    max: 64,
  },
  promptActivation: {
    key: 'promptActivation',
    type: 'choice',
    label: 'Prompt activation',
    noun: 'prompt activation',
    help: 'What turns the learnt values into the added pixels: sigmoid (bounded) for image classifiers, identity for CLIP-like models.',
    url: 'act',
    cli: 'activation',
    cliArg: 'NAME',
    part: 'prompt',
    // LoR-VP and SMM add their pattern as it is (no activation), as their official code does.
    appliesWhen: (d) => !fillsInput(d.prompt),
    default: 'sigmoid',
    choices: PROMPT_ACTIVATIONS,
  },
  labelMapping: {
    key: 'labelMapping',
    type: 'choice',
    label: 'Label mapping',
    noun: 'label mapping',
    help: 'How the model’s outputs become your classes.',
    url: 'map',
    cli: 'mapping',
    cliArg: 'KIND',
    part: 'mapping',
    default: 'fully',
    choices: LABEL_MAPPINGS,
    // AutoVP's four, and the Bayesian mappings that later work found better (Cai et al., 2024).
    search: ['fully', 'semantic', 'freq', 'iter', 'blm', 'blmplus'],
  },
  k: {
    key: 'k',
    type: 'int',
    label: 'Source labels per class (k)',
    noun: 'source labels per class (k)',
    help: 'Source labels per class for one-to-one mappings.',
    url: 'k',
    cli: 'k',
    cliArg: 'N',
    part: 'mapping',
    appliesWhen: (d) => isOneToOne(d.labelMapping),
    default: 1,
    min: 1,
    max: 100,
    search: [1, 5, 10],
  },
  interval: {
    key: 'interval',
    type: 'int',
    label: 'Remap every (epochs)',
    noun: 'remapping interval',
    help: 'IterMap: recompute the mapping every N epochs.',
    url: 'int',
    cli: 'interval',
    cliArg: 'N',
    part: 'mapping',
    appliesWhen: (d) => d.labelMapping === 'iter',
    default: 1,
    min: 1,
    max: 100,
    search: [1],
  },
  identityInit: {
    key: 'identityInit',
    type: 'flag',
    label: 'Start as the identity (target class t ← source class t)',
    noun: 'identity start',
    help: 'FullyMap: start as the identity from source class t to target class t.',
    url: 'idi',
    cli: 'identity-init',
    part: 'mapping',
    appliesWhen: (d) => d.labelMapping === 'fully',
    default: false,
  },
  optimizer: {
    key: 'optimizer',
    type: 'choice',
    label: 'Optimiser',
    noun: 'optimiser',
    url: 'opt',
    cli: 'optimizer',
    cliArg: 'NAME',
    part: 'optim',
    default: 'adam',
    choices: OPTIMIZERS,
  },
  learningRate: {
    key: 'learningRate',
    type: 'number',
    label: 'Learning rate',
    noun: 'learning rate',
    help: 'AutoVP’s reference is Adam at 1e-3 over 200 epochs; at the default budget (1,000 images × 2 epochs, batch 16) 3e-3 did best on MNIST (BENCHMARKS.md).',
    url: 'lr',
    cli: 'lr',
    cliArg: 'X',
    part: 'optim',
    default: 3e-3,
    min: 1e-6,
    max: 100,
    step: 'any',
    tune: [1e-2, 1e-3, 1e-4],
    // AutoVP trains CLIP with SGD at 40 (cosine decay), so its second stage searches around it.
    tuneTextImage: [35, 40, 45],
  },
  weightDecay: {
    key: 'weightDecay',
    type: 'number',
    label: 'Weight decay',
    noun: 'weight decay',
    help: 'L2 weight decay, coupled as in torch.optim.',
    url: 'wd',
    cli: 'weight-decay',
    cliArg: 'X',
    part: 'optim',
    default: 0,
    min: 0,
    max: 1,
    step: 'any',
    tune: [0, 1e-5, 1e-10],
  },
  momentum: {
    key: 'momentum',
    type: 'number',
    label: 'Momentum',
    noun: 'momentum',
    help: 'SGD momentum.',
    url: 'mom',
    cli: 'momentum',
    cliArg: 'X',
    part: 'optim',
    appliesWhen: (d) => d.optimizer === 'sgd',
    default: 0.9,
    min: 0,
    max: 0.999,
    step: 0.05,
  },
  schedule: {
    key: 'schedule',
    type: 'choice',
    label: 'Schedule',
    noun: 'schedule',
    help: 'Learning-rate schedule: ×0.1 at 50% and 72% of training, cosine decay, or constant.',
    url: 'sch',
    cli: 'schedule',
    cliArg: 'NAME',
    part: 'optim',
    default: 'step',
    choices: SCHEDULES,
  },
  epochs: {
    key: 'epochs',
    type: 'int',
    label: 'Epochs',
    noun: 'epochs',
    help: 'Training epochs.',
    url: 'ep',
    cli: 'epochs',
    cliArg: 'N',
    part: 'optim',
    default: 2,
    min: 1,
    max: 1000,
  },
  batchSize: {
    key: 'batchSize',
    type: 'int',
    label: 'Batch size',
    noun: 'batch size',
    help: 'Images per training step.',
    url: 'bs',
    cli: 'batch',
    cliArg: 'N',
    part: 'optim',
    // Batch 16 beat 32 at the default budget, in the same time: MNIST validation 86.5 ± 3.0 against
    // 82.2 ± 3.8 over three seeds (BENCHMARKS.md, "The default recipe").
    default: 16,
    min: 1,
    max: 1024,
  },
  seed: {
    key: 'seed',
    type: 'int',
    label: 'Seed',
    noun: 'seed',
    help: 'One seed sets every random choice (splits, shuffles, initialisation).',
    hint: 'One seed sets every random choice.',
    url: 'seed',
    cli: 'seed',
    cliArg: 'N',
    part: 'optim',
    default: 7,
    min: 0,
    max: 2 ** 31 - 1,
  },
};

/** The rows, in the table's order. */
export const DESIGN_PARAMS: readonly DesignParam[] = Object.values(SCHEMA);

/** The row of one design field. */
export function designParam<K extends keyof VPDesign>(key: K): ParamOf<K> {
  return SCHEMA[key];
}

/** Every parameter at its default. */
export const DEFAULT_DESIGN: VPDesign = Object.fromEntries(
  DESIGN_PARAMS.map((p) => [p.key, p.default]),
) as unknown as VPDesign;

/** The search values of a parameter (AutoVP's), or its default alone. */
export function searchValues<K extends keyof VPDesign>(key: K): readonly VPDesign[K][] {
  const p = SCHEMA[key] as { search?: readonly VPDesign[K][]; default: VPDesign[K] };
  return p.search ?? [p.default];
}
