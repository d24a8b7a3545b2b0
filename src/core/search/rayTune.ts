/**
 * The same AutoVP search as a Ray Tune job for a cluster: a Python script that runs IBM/AutoVP's
 * own model code (the `auto_vp` package) under Ray Tune's ASHAScheduler, with the reference's
 * parameter names (auto_vp/ray_tune_setting.py: pretrained_model, mapping_method, num_map,
 * freqmap_interval, scale, set_train_resize, lr, weight_decay). Plain string building: no tfjs.
 *
 * What had to be decided (stated in the script too):
 * - The browser's source models are not in the reference's model zoo. An image classifier is
 *   searched as "resnet18" (ImageNet-1k, the paper's benchmark model); a text-image model as
 *   "clip" (ViT-B/32). The user can edit the list at the top of the script (PRETRAINED): another
 *   model takes the configurations of its kind.
 * - FreqMap is the reference's frequency_based_mapping with freqmap_interval None; IterMap the
 *   same with the interval (every epoch by default).
 * - The reference ranks trials by training accuracy; the script ranks by accuracy on a validation
 *   split held out of the training data (`val_acc`), like the browser, and touches the test split
 *   once, after the final training.
 * - One Tuner over every configuration (one ASHA for the whole search, as in the browser), rather
 *   than the reference's one Tuner per mapping family; the configurations are a grid over one
 *   "trial" key because Ray's grid search cannot express the families' different axes.
 */
import type { VPDesign } from '../design/design';
import TEMPLATE from './autovp_search.py?raw';
import type { DataSelection } from '../data/runSplits';
import type { SearchState } from './searchState';
import { mappingName } from '../design/kinds';
import { enumerateTrials, type MappingFamily, type TrialConfig } from './space';

export interface RayTuneExport {
  state: Pick<SearchState, 'id' | 'seed' | 'space' | 'asha' | 'tuning'>;
  dataset: { id: string; name: string; classes: string[] };
  /** The browser models the search ticked. */
  models: { id: string; name: string; textImage: boolean }[];
  data: DataSelection;
  baseDesign: Pick<VPDesign, 'learningRate' | 'weightDecay' | 'batchSize' | 'baseSize'>;
  finalEpochs: number;
  /** Training images of each trial, when fewer than the winner's (`data.trainImages`). */
  trialTrainImages?: number;
  /** When the file was made (ISO date), for its header. */
  createdAt?: string;
}

/** The reference's name for each mapping family it has (BLM and BLM+ came after AutoVP). */
const REFERENCE_MAPPING: Partial<Record<MappingFamily, string>> = {
  fully: 'fully_connected_layer_mapping',
  semantic: 'semantic_mapping',
  freq: 'frequency_based_mapping',
  iter: 'frequency_based_mapping',
};

/** Source classes of the reference's models (auto_vp/const.py SOURCE_CLASS_NUM; CLIP: 81 templates × classes). */
const REFERENCE_IMAGE_MODEL = { id: 'resnet18', numSource: 1000 };
const CLIP_TEMPLATES = 81;

/** A Python literal for plain data. */
export function py(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a Python number`);
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(py).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${JSON.stringify(k)}: ${py(v)}`)
      .join(', ')}}`;
  }
  throw new Error(`cannot write a ${typeof value} as Python`);
}

/** A float literal (Python keeps 1.0 a float; the reference casts scales with float()). */
const pyFloat = (x: number) => (Number.isInteger(x) ? `${x}.0` : String(x));

/** The reference configuration of one trial (its parameter names). */
function referenceConfig(trial: TrialConfig): Record<string, unknown> {
  const d = trial.design;
  const family = d.labelMapping as MappingFamily;
  return {
    pretrained_model: trial.modelId,
    mapping_method: REFERENCE_MAPPING[family],
    num_map: family === 'fully' ? null : d.k,
    freqmap_interval: family === 'iter' ? d.interval : null,
    scale: d.inputScale,
    set_train_resize: d.trainableResize,
  };
}

/** The configurations the script searches: the browser's axes over the reference's models. */
export function referenceTrials(o: RayTuneExport) {
  const numTarget = o.dataset.classes.length;
  const pretrained = [...new Set(o.models.map((m) => (m.textImage ? 'clip' : REFERENCE_IMAGE_MODEL.id)))];
  const infos = [
    { id: REFERENCE_IMAGE_MODEL.id, numSource: REFERENCE_IMAGE_MODEL.numSource, textImage: false },
    { id: 'clip', numSource: CLIP_TEMPLATES * numTarget, textImage: true },
  ];
  const all = enumerateTrials({ ...o.state.space, models: pretrained }, infos, numTarget);
  const knownMapping = (t: TrialConfig) => REFERENCE_MAPPING[t.design.labelMapping as MappingFamily] !== undefined;
  const knownPrompt = (t: TrialConfig) => (t.design.prompt ?? 'pad') === 'pad';
  const trials = all.trials.filter((t) => knownMapping(t) && knownPrompt(t));
  const excluded = [
    ...all.excluded,
    ...all.trials.filter((t) => !knownMapping(t)).map((t) => ({ id: t.id, reason: `IBM/AutoVP has no ${mappingName(t.design.labelMapping)} (a later label mapping).` })),
    ...all.trials.filter((t) => knownMapping(t) && !knownPrompt(t)).map((t) => ({ id: t.id, reason: `IBM/AutoVP has only the padding prompt, no ${t.design.prompt} prompt (a later method).` })),
  ];
  return { pretrained, trials, excluded };
}

const comment = (text: string, indent = '') =>
  text
    .split('\n')
    .map((l) => `${indent}# ${l}`.trimEnd())
    .join('\n');

export function rayTuneScript(o: RayTuneExport): string {
  const { state, dataset, data } = o;
  const trialImages = Math.min(o.trialTrainImages ?? data.trainImages, data.trainImages);
  const { pretrained, trials, excluded } = referenceTrials(o);
  if (trials.length === 0) throw new Error('No configuration of this search can run with the reference models.');
  const builtin = dataset.id === 'mnist' || dataset.id === 'fashion-mnist' ? dataset.id : null;
  const modelLines = o.models
    .map((m) =>
      m.textImage
        ? `${m.name} (${m.id}): a text-image model, searched as "clip" (CLIP ViT-B/32).`
        : `${m.name} (${m.id}): not in AutoVP's model zoo; searched as "resnet18" (ImageNet-1k, the paper's benchmark model).`,
    )
    .join('\n');
  const excludedLines = excluded.length
    ? `\n${comment(`Left out for the reference models (${excluded.length}):\n${[...new Set(excluded.map((e) => e.reason))].map((r) => `- ${r}`).join('\n')}`)}`
    : '';
  const configs = trials
    .map((t) => {
      const entries = Object.entries(referenceConfig(t)).map(
        ([k, v]) => `${JSON.stringify(k)}: ${k === 'scale' ? pyFloat(v as number) : py(v)}`,
      );
      return `    {${entries.join(', ')}},`;
    })
    .join('\n');
  const { learningRates, weightDecays } = state.tuning;
  const stage2 = learningRates.length > 0 && weightDecays.length > 0;
  const file = `autovp_search_${dataset.id.replace(/[^\w-]+/g, '_')}.py`;

  const docstring = `"""AutoVP search exported from AutoVP Playground${o.createdAt ? ` on ${o.createdAt}` : ''}.

Dataset: ${dataset.name} (${dataset.classes.length} classes). ${trials.length} configurations under Ray Tune's
ASHA scheduler (max_t=${state.asha.maxEpochs} epochs, grace_period=${state.asha.gracePeriod}, reduction_factor=${state.asha.reductionFactor}), ranked by
accuracy on a validation split held out of the training data (never on test data)${stage2 ? ', then learning rate x weight decay for the winner' : ''}.
The winner is trained for FINAL_EPOCHS epochs and evaluated once on the test split.

Install (a CUDA GPU is recommended; the reference code needs one for its autocast):
    git clone https://github.com/IBM/AutoVP.git
    cd AutoVP && pip install -r requirements.txt   # torch, torchvision, clip, kornia, timm, ...
    pip install "ray[tune]"
auto_vp is not published on PyPI: run this script from the AutoVP checkout, or put it on the path:
    export PYTHONPATH=/path/to/AutoVP:$PYTHONPATH
Run:
    python ${file} --data-dir ./data [--gpus-per-trial 1] [--cpus-per-trial 2]
"""`;
  const settings = `# The search as the browser set it up (search ${state.id}).
DATASET = ${py(dataset.name)}
DATASET_SOURCE = ${py(builtin ?? 'image-folder')}  # "mnist", "fashion-mnist" (torchvision), or an image folder
CLASS_NAMES = ${py(dataset.classes)}
SEED = ${state.seed}
BASE_SIZE = ${o.baseDesign.baseSize}  # every image is first resized to BASE_SIZE x BASE_SIZE (AutoVP: 128)
BATCH_SIZE = ${o.baseDesign.batchSize}
VAL_FRACTION = ${pyFloat(data.valFraction)}  # of the training pool, held out for validation
TEST_FRACTION = ${pyFloat(data.testFraction ?? 0.2)}  # carved out of the pool only for an image folder without a test/ folder
# The browser's trials trained on ${trialImages} images, its winner on ${data.trainImages}, all validated on ${data.valImages}${data.fraction > 1 ? ` (1/${data.fraction} of the pool)` : ''};
# here None = use the whole split (set the browser's counts to repeat its search exactly).
TRAIN_IMAGES = None  # the winner's final training
TRIAL_TRAIN_IMAGES = None  # each trial's (at most TRAIN_IMAGES)
VAL_IMAGES = None
TEST_IMAGES = None
FINAL_EPOCHS = ${o.finalEpochs}

# ASHA as in the browser (the reference: max_t 2-5, grace_period 2-3, reduction_factor 2).
MAX_T = ${state.asha.maxEpochs}
GRACE_PERIOD = ${state.asha.gracePeriod}
REDUCTION_FACTOR = ${state.asha.reductionFactor}

# Optimiser outside the second stage: the reference's Adam (SGD with momentum for CLIP).
LR = ${pyFloat(o.baseDesign.learningRate)}  # the browser's; the reference uses 1e-3 (40 for CLIP)
WEIGHT_DECAY = ${pyFloat(o.baseDesign.weightDecay)}
CLIP_LR = 40.0
# Second stage for the winner (empty = none); CLIP takes the reference's CLIP learning rates.
LR_GRID = [${stage2 ? learningRates.map(pyFloat).join(', ') : ''}]
WEIGHT_DECAY_GRID = [${stage2 ? weightDecays.map(pyFloat).join(', ') : ''}]
CLIP_LR_GRID = [35.0, 40.0, 45.0]

# Source models. The browser searched:
${comment(modelLines)}
# The reference also offers "ig_resnext101_32x8d", "swin_t", "vgg16_bn", "resnet50", "vit_b_16", "clip_large":
# a model put here is searched with the configurations of its kind (ImageNet classifier or CLIP) below.
PRETRAINED = ${py(pretrained)}

# Every configuration, with the reference's parameter names (auto_vp/ray_tune_setting.py).
CONFIGS = [
${configs}
]${excludedLines}`;
  return fillTemplate(docstring, settings);
}

const SETTINGS = /# --- settings: written by AutoVP Playground for each exported search ---\n[\s\S]*?\n# --- end of settings ---/;
const DOCSTRING = /"""[\s\S]*?"""/;

/** The template (autovp_search.py) with this search's docstring and settings block. */
function fillTemplate(docstring: string, settings: string): string {
  if (!SETTINGS.test(TEMPLATE) || !DOCSTRING.test(TEMPLATE)) throw new Error('autovp_search.py lost its settings markers.');
  return TEMPLATE.replace(DOCSTRING, () => docstring).replace(
    SETTINGS,
    () => `# --- settings: written by AutoVP Playground for each exported search ---\n${settings}\n# --- end of settings ---`,
  );
}
