/** The commands' options and help texts. */
import { LABEL_MAPPINGS } from '../core/design/kinds';
import { designParam } from '../core/design/schema';
import { DEFAULT_ASHA } from '../core/search/asha';
import type { CommandSpec, OptionSpec } from './args';
import { SEARCH_DESIGN_OPTIONS, TRAIN_DESIGN_OPTIONS } from './designOptions';

const MAPPING_IDS = LABEL_MAPPINGS.map((m) => m.id);
const list = (values: readonly (string | number)[]) => values.join(',');
const SEARCHED = {
  mappings: designParam('labelMapping').search ?? [],
  scales: designParam('inputScale').search ?? [],
  ks: designParam('k').search ?? [],
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
    help: 'Refuse folders with more images (each is held in memory, 49 KB at 128²).',
    defaultText: '20000',
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
    ...runOptions,
    {
      name: 'out',
      kind: 'string',
      arg: 'DIR',
      required: true,
      help: 'Output folder: metrics.json and prompt.safetensors are written there (created if needed).',
    },
  ],
  notes: [
    'Writes OUT/metrics.json ({"config", "epochs": [{epoch, trainLoss, trainAcc, valAcc}], "test": {accuracy, loss, perClass}, "baselineLP": {accuracy}}, accuracies as fractions, plus details under other keys: "baselineLPFlattened" is the extra probe on the flattened feature map, "parameters" counts the prompt entries the mask trains) and OUT/prompt.safetensors, the prompt file the app exports and imports.',
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

export const SEARCH: CommandSpec = {
  name: 'search',
  summary: 'AutoVP search: find the best visual-prompting design (ASHA), then train the winner',
  usage:
    'autovp search --data DIR [--test-data DIR] --model ID|DIR [--model …] [--max-trials N] [--budget-minutes M] [--seed N] --out DIR',
  options: [
    ...dataOptions,
    {
      name: 'model',
      kind: 'list',
      arg: 'ID|DIR',
      required: true,
      help: 'Candidate source model (repeat, or separate with commas).',
    },
    ...modelFolderOptions,
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
      above: 0,
      help: 'Stop starting epochs after M minutes of searching (the winner is still trained).',
    },
    {
      name: 'mappings',
      kind: 'list',
      arg: 'LIST',
      choices: SEARCHED.mappings,
      help: 'Mapping families searched.',
      defaultText: list(SEARCHED.mappings),
    },
    { name: 'scales', kind: 'list', arg: 'LIST', help: 'Initial scales searched.', defaultText: list(SEARCHED.scales) },
    {
      name: 'ks',
      kind: 'list',
      arg: 'LIST',
      help: 'Source labels per class searched (one-to-one mappings).',
      defaultText: list(SEARCHED.ks),
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
      name: 'max-epochs',
      kind: 'int',
      arg: 'N',
      min: 1,
      help: 'ASHA: epochs a trial may run at most.',
      defaultText: String(DEFAULT_ASHA.maxEpochs),
    },
    {
      name: 'grace',
      kind: 'int',
      arg: 'N',
      min: 1,
      help: 'ASHA: grace period (epochs before the first rung).',
      defaultText: String(DEFAULT_ASHA.gracePeriod),
    },
    {
      name: 'reduction',
      kind: 'number',
      arg: 'ETA',
      above: 1,
      help: 'ASHA: reduction factor.',
      defaultText: String(DEFAULT_ASHA.reductionFactor),
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
      help: "Epochs of the winner's final training.",
      defaultText: 'max-epochs',
    },
    ...SEARCH_DESIGN_OPTIONS,
    ...runOptions,
    {
      name: 'out',
      kind: 'string',
      arg: 'DIR',
      required: true,
      help: "Output folder: search.json, and the winner's metrics.json and prompt.safetensors.",
    },
  ],
  notes: [
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

export const COMMANDS = [TRAIN, EVAL, SEARCH, MODELS_COMMAND];
