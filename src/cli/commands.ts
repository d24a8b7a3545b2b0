/** The commands' options and help texts. */
import { LABEL_MAPPINGS, PROMPT_SHAPES } from '../core/design/kinds';
import { designParam } from '../core/design/schema';
import { DEFAULT_SEARCH } from '../core/search/searchDefaults';
import { MODELS } from '../../models';
import { CLIP_VIT_B32_REPO } from '../engine/models/clip/clipHub';
import type { CommandSpec, OptionSpec } from './args';
import { BENCHMARK } from './benchmark';
import { SEARCH_DESIGN_OPTIONS, TRAIN_DESIGN_OPTIONS } from './designOptions';

const MAPPING_IDS = LABEL_MAPPINGS.map((m) => m.id);
const list = (values: readonly (string | number)[]) => values.join(',');
const SEARCHED = {
  mappings: designParam('labelMapping').search ?? [],
  learningRates: designParam('learningRate').tune ?? [],
  weightDecays: designParam('weightDecay').tune ?? [],
};

const dataOptions: OptionSpec[] = [
  {
    name: 'data',
    kind: 'string',
    arg: 'DIR',
    required: true,
    help: 'Training images: an ImageFolder tree DIR/<class>/*.png|jpg (or DIR/train/<class>/… and DIR/test/<class>/…), a .zip of one, or a built-in dataset (mnist, fashion-mnist).',
  },
  {
    name: 'test-data',
    kind: 'string',
    arg: 'DIR',
    help: "Test images in their own ImageFolder tree (every image in it, class folders matched by name); replaces DIR's own test split.",
  },
  {
    name: 'fraction',
    kind: 'number',
    arg: 'R',
    above: 0,
    help: 'Data scalability: train on a class-stratified share of the training pool, as a share (0.25) or as 1/r (4 means a quarter).',
    defaultText: '1',
  },
  {
    name: 'val-fraction',
    kind: 'number',
    arg: 'F',
    min: 0,
    max: 0.9,
    help: 'Share of every class held out of the training pool for validation.',
    defaultText: '0.1',
  },
  {
    name: 'test-fraction',
    kind: 'number',
    arg: 'F',
    min: 0,
    max: 0.9,
    help: 'Share of every class held out as the test split when the data has no test split of its own.',
    defaultText: '0.2',
  },
  {
    name: 'train-images',
    kind: 'int',
    arg: 'N',
    min: 1,
    help: 'Use at most N training images (spread evenly over the classes).',
    defaultText: 'all',
  },
  { name: 'val-images', kind: 'int', arg: 'N', min: 0, help: 'Use at most N validation images.', defaultText: 'all' },
  { name: 'test-images', kind: 'int', arg: 'N', min: 0, help: 'Test on at most N images.', defaultText: 'all' },
  {
    name: 'fit',
    kind: 'string',
    arg: 'MODE',
    choices: ['crop', 'pad', 'stretch'],
    help: 'How a non-square image becomes square: centre crop, letterbox or stretch.',
    defaultText: 'crop',
  },
  {
    name: 'max-images',
    kind: 'int',
    arg: 'N',
    min: 1,
    help: 'Refuse folders with more images (above 5000, images are decoded again from their files per batch instead of held in memory).',
    defaultText: '100000',
  },
];

const modelFolderOptions: OptionSpec[] = [
  {
    name: 'source-output',
    kind: 'string',
    arg: 'NAME',
    help: 'Folder models: the tensor holding the class scores (default: proposed by inspection).',
  },
  {
    name: 'feature-output',
    kind: 'string',
    arg: 'NAME',
    help: 'Folder models: the tensor used as features for linear probing.',
  },
  {
    name: 'values',
    kind: 'string',
    arg: 'PRESET',
    choices: ['unit', 'symmetric', 'bytes', 'imagenet'],
    help: 'Folder models: the input values the model expects: [0, 1], [-1, 1], [0, 255] or ImageNet mean/std.',
    defaultText: 'unit',
  },
];

/**
 * SemanticMap's text encoder: what the machine has at hand, like --backend, not a design
 * parameter (the design schema's rows travel in prompt files, links and the search space).
 */
const textEncoderOption: OptionSpec = {
  name: 'text-encoder',
  kind: 'string',
  arg: 'hf:OWNER/NAME|DIR',
  help: "SemanticMap: the CLIP checkpoint whose text embeddings match the class names, as AutoVP does (a hub repository, downloaded once, or a folder holding config.json, model.safetensors and tokenizer.json).",
  defaultText: `hf:${CLIP_VIT_B32_REPO} when it is in the hub cache, else WordNet`,
};

const runOptions: OptionSpec[] = [
  {
    name: 'no-baseline',
    kind: 'flag',
    help: 'Skip the linear-probing baseline and its flattened extra (baselineLP is null).',
  },
  {
    name: 'backend',
    kind: 'string',
    arg: 'NAME',
    choices: ['wasm', 'cpu'],
    help: 'tfjs backend: wasm (fast) or cpu (pure JavaScript, slow).',
    defaultText: 'wasm',
  },
  { name: 'quiet', kind: 'flag', help: 'No progress output (errors and results only).' },
];

export const TRAIN: CommandSpec = {
  name: 'train',
  summary: 'train a visual prompt for a frozen model on an image folder',
  usage:
    `autovp train --data DIR [--test-data DIR] --model ID|DIR --mapping ${MAPPING_IDS.join('|')} [options] --out DIR`,
  options: [
    ...dataOptions,
    {
      name: 'model',
      kind: 'string',
      arg: 'ID|DIR',
      required: true,
      help: 'Source model: a built-in id (autovp models) or a folder holding a TensorFlow.js model.json.',
    },
    ...modelFolderOptions,
    ...TRAIN_DESIGN_OPTIONS,
    textEncoderOption,
    ...runOptions,
    {
      name: 'out',
      kind: 'string',
      arg: 'DIR',
      required: true,
      help: 'Output folder: metrics.json and prompt.safetensors are written there (created if needed; checked before training). The run works in OUT.partial beside it and moves the results in at the end, so OUT never holds half a result.',
    },
    {
      name: 'resume',
      kind: 'string',
      arg: 'DIR',
      help: 'Continue an interrupted run from its checkpoint (the OUT.partial folder it named), with the same options: it ends as the uninterrupted run would have.',
    },
  ],
  notes: [
    'Writes OUT/metrics.json ({"config", "epochs": [{epoch, trainLoss, trainAcc, valAcc}], "test": {accuracy, loss, perClass}, "baselineLP": {accuracy}}, accuracies as fractions, plus details under other keys: "baselineLPFlattened" is the extra probe on the flattened feature map, "parameters" counts the prompt entries the mask trains) and OUT/prompt.safetensors, the prompt file the app exports and imports.',
    'Checkpoints: after every epoch the prompt, mapping, optimiser state, epoch and shuffling state are saved in OUT.partial/checkpoint/. Ctrl-C (or SIGTERM) stops between two steps and keeps that checkpoint; the same command with --resume OUT.partial ends as the uninterrupted run would. A loss that is not finite stops training and keeps the last prompt whose loss was finite.',
    'Validation is held out of the training pool; the test split (DIR/test, --test-data, or a seeded share of every class) is used only for the final report.',
    'Images: PNG and JPEG are decoded (EXIF orientation applied); GIF, WebP and BMP files are skipped with a reason (the app reads them). Every image is fitted to 128×128 on reading, as in the app.',
  ],
  examples: [
    'npx autovp train --data ./pets --model darknet-tiny --mapping fully --epochs 10 --out runs/pets',
    'npx autovp train --data ./digits/train --test-data ./digits/test --model ../shared/models/darknet-tiny --mapping freq --k 5 --out runs/digits',
  ],
};

export const EVAL: CommandSpec = {
  name: 'eval',
  summary: 'evaluate a prompt file on an image folder and print its accuracy',
  usage: 'autovp eval --prompt FILE --data DIR [--model ID|DIR] [--split test|train|all] [--json]',
  options: [
    {
      name: 'prompt',
      kind: 'string',
      arg: 'FILE',
      required: true,
      help: 'A prompt file (.safetensors) written by autovp train or exported by the app.',
    },
    {
      name: 'data',
      kind: 'string',
      arg: 'DIR',
      required: true,
      help: "Images to evaluate on (ImageFolder tree, .zip or built-in dataset); class folders are matched to the prompt's classes by name.",
    },
    {
      name: 'model',
      kind: 'string',
      arg: 'ID|DIR',
      help: 'The source model the prompt was trained for (default: the folder recorded in the metrics.json beside the prompt, else the built-in model the prompt names).',
    },
    ...modelFolderOptions,
    {
      name: 'split',
      kind: 'string',
      arg: 'SPLIT',
      choices: ['test', 'train', 'all'],
      help: "test: DIR's test split, or the share the training run held out as its test split (from the seed in the prompt file), or every image when neither applies; train: the training pool; all: every image.",
      defaultText: 'test',
    },
    {
      name: 'fit',
      kind: 'string',
      arg: 'MODE',
      choices: ['crop', 'pad', 'stretch'],
      help: 'How non-square images become square.',
      defaultText: "the prompt file's",
    },
    {
      name: 'max-images',
      kind: 'int',
      arg: 'N',
      min: 1,
      help: 'Refuse folders with more images.',
      defaultText: '20000',
    },
    { name: 'batch', kind: 'int', arg: 'N', min: 1, help: 'Batch size.', defaultText: '32' },
    { name: 'json', kind: 'flag', help: 'Print the result as one JSON object.' },
    {
      name: 'backend',
      kind: 'string',
      arg: 'NAME',
      choices: ['wasm', 'cpu'],
      help: 'tfjs backend.',
      defaultText: 'wasm',
    },
    { name: 'quiet', kind: 'flag', help: 'No progress output.' },
  ],
  examples: ['npx autovp eval --prompt runs/pets/prompt.safetensors --data ./pets-test'],
};

/** The search's images when none are given: the app's default run (searchDefaults.ts). */
const SEARCH_IMAGES: Record<string, number> = {
  'train-images': DEFAULT_SEARCH.images.train,
  'val-images': DEFAULT_SEARCH.images.validation,
  'test-images': DEFAULT_SEARCH.images.test,
};
const searchDataOptions = dataOptions.map((o) =>
  o.name in SEARCH_IMAGES ? { ...o, defaultText: `${SEARCH_IMAGES[o.name]}, as the app's default run` } : o,
);

export const SEARCH: CommandSpec = {
  name: 'search',
  summary: 'AutoVP search: find the best visual-prompting design (ASHA), then train the winner',
  usage:
    'autovp search --data DIR [--test-data DIR] [--model ID|DIR …] [--max-trials N] [--budget-minutes M] [--seed N] --out DIR',
  options: [
    ...searchDataOptions,
    {
      name: 'trial-images',
      kind: 'int',
      arg: 'N',
      min: 1,
      help: 'Training images of each trial (at most --train-images; the winner trains on all of those).',
      defaultText: String(DEFAULT_SEARCH.trialTrainImages),
    },
    {
      name: 'model',
      kind: 'list',
      arg: 'ID|DIR',
      help: 'Candidate source model (repeat, or separate with commas).',
      defaultText: `${MODELS[0]!.id}, the app's default model`,
    },
    ...modelFolderOptions,
    {
      name: 'workers',
      kind: 'int',
      arg: 'N',
      min: 1,
      max: 16,
      help: 'Trials trained side by side, each in its own process with its own copy of the model and data; more than the free cores makes every trial slower.',
      defaultText: "one per core but one, within 3/4 of the machine's memory at 2.3 GB a worker (measured); 1 on 2 cores",
    },
    {
      name: 'max-trials',
      kind: 'int',
      arg: 'N',
      min: 1,
      help: 'Run at most N configurations, drawn from the space by the seed.',
      defaultText: 'all',
    },
    {
      name: 'budget-minutes',
      kind: 'number',
      arg: 'M',
      min: 0,
      help: 'Stop starting epochs after M minutes of searching (the winner is still trained; 0: no limit).',
      defaultText: String(DEFAULT_SEARCH.budgetMinutes),
    },
    {
      name: 'mappings',
      kind: 'list',
      arg: 'LIST',
      choices: SEARCHED.mappings,
      help: `Mapping families searched (AutoVP's: ${list(SEARCHED.mappings)}).`,
      defaultText: list(DEFAULT_SEARCH.mappings),
    },
    {
      name: 'scales',
      kind: 'list',
      arg: 'LIST',
      help: "Initial scales searched (AutoVP's: 0.5,1,1.5).",
      defaultText: list(DEFAULT_SEARCH.scales),
    },
    {
      name: 'ks',
      kind: 'list',
      arg: 'LIST',
      help: "Source labels per class searched (one-to-one mappings; AutoVP's: 1,5,10).",
      defaultText: list(DEFAULT_SEARCH.ks),
    },
    {
      name: 'resize',
      kind: 'string',
      arg: 'MODE',
      choices: ['both', 'fixed', 'trainable'],
      help: 'Trainable resize: search both, or only one.',
      defaultText: 'both',
    },
    {
      name: 'prompts',
      kind: 'list',
      arg: 'LIST',
      choices: PROMPT_SHAPES.map((p) => p.id),
      help: "Prompt kinds searched (AutoVP's: pad). lowrank (LoR-VP) and smm (SMM) fill the whole input: one trial per mapping, not per scale and resize.",
      defaultText: 'pad',
    },
    {
      name: 'max-epochs',
      kind: 'int',
      arg: 'N',
      min: 1,
      help: 'ASHA: epochs a trial may run at most.',
      defaultText: String(DEFAULT_SEARCH.asha.maxEpochs),
    },
    {
      name: 'grace',
      kind: 'int',
      arg: 'N',
      min: 1,
      help: 'ASHA: grace period (epochs before the first rung).',
      defaultText: String(DEFAULT_SEARCH.asha.gracePeriod),
    },
    {
      name: 'reduction',
      kind: 'number',
      arg: 'ETA',
      above: 1,
      help: 'ASHA: reduction factor.',
      defaultText: String(DEFAULT_SEARCH.asha.reductionFactor),
    },
    {
      name: 'tune',
      kind: 'flag',
      help: `Second stage: the winner under learning rates {${SEARCHED.learningRates.join(', ')}} × weight decays {${SEARCHED.weightDecays.join(', ')}}.`,
    },
    {
      name: 'final-epochs',
      kind: 'int',
      arg: 'N',
      min: 1,
      help: "Epochs of the winner's final training (the default run's, so the two compare).",
      defaultText: String(DEFAULT_SEARCH.finalEpochs),
    },
    ...SEARCH_DESIGN_OPTIONS,
    textEncoderOption,
    ...runOptions,
    {
      name: 'out',
      kind: 'string',
      arg: 'DIR',
      required: true,
      help: "Output folder: search.json, and the winner's metrics.json and prompt.safetensors.",
    },
    {
      name: 'resume',
      kind: 'string',
      arg: 'DIR',
      help: 'Continue an interrupted search from DIR/search.json (DIR: its --out), with the same options: the trials it finished are kept, not run again, and it ends with the winner the uninterrupted search would have.',
    },
  ],
  notes: [
    `The defaults are the app's default search (src/core/search/searchDefaults.ts; BENCHMARKS.md, "The default search"): ` +
      `mappings ${list(DEFAULT_SEARCH.mappings)} × scales ${list(DEFAULT_SEARCH.scales)} × trainable resize on and off, ` +
      `${DEFAULT_SEARCH.asha.maxEpochs} epochs a trial at most on ${DEFAULT_SEARCH.trialTrainImages} images, a ${DEFAULT_SEARCH.budgetMinutes}-minute budget, ` +
      `then the winner trained like the default run. AutoVP's whole space: --mappings ${list(SEARCHED.mappings)} --scales 0.5,1,1.5 --ks 1,5,10.`,
    'Trials are ranked by accuracy on a validation split held out of the training data; the test split is used only for the final report of the winner.',
    'OUT/search.json lists every trial with its configuration, the epochs and rungs it reached and its validation accuracy; search.json is rewritten after every epoch, so it shows an interrupted search too.',
  ],
  examples: [
    'npx autovp search --data ./pets --model darknet-tiny --max-trials 12 --budget-minutes 30 --out runs/pets-search',
  ],
};

export const MODELS_COMMAND: CommandSpec = {
  name: 'models',
  summary: 'list the built-in source models',
  usage: 'autovp models',
  options: [],
};

export const COMMANDS = [TRAIN, EVAL, SEARCH, BENCHMARK, MODELS_COMMAND];
