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
import type { DataSelection } from '../data/runSplits';
import type { SearchState } from './searchState';
import { enumerateTrials, type MappingFamily, type TrialConfig } from './space';

export interface RayTuneExport {
  state: Pick<SearchState, 'id' | 'seed' | 'space' | 'asha' | 'tuning'>;
  dataset: { id: string; name: string; classes: string[] };
  /** The browser models the search ticked. */
  models: { id: string; name: string; textImage: boolean }[];
  data: DataSelection;
  baseDesign: Pick<VPDesign, 'learningRate' | 'weightDecay' | 'batchSize' | 'baseSize'>;
  finalEpochs: number;
  /** When the file was made (ISO date), for its header. */
  createdAt?: string;
}

/** The reference's name for each mapping family. */
const REFERENCE_MAPPING: Record<MappingFamily, string> = {
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
  const { trials, excluded } = enumerateTrials({ ...o.state.space, models: pretrained }, infos, numTarget);
  return { pretrained, trials, excluded };
}

const comment = (text: string, indent = '') =>
  text
    .split('\n')
    .map((l) => `${indent}# ${l}`.trimEnd())
    .join('\n');

export function rayTuneScript(o: RayTuneExport): string {
  const { state, dataset, data } = o;
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

  return `#!/usr/bin/env python3
"""AutoVP search exported from AutoVP Playground${o.createdAt ? ` on ${o.createdAt}` : ''}.

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
"""
import argparse
import os
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Subset
from torchvision import datasets, transforms

import ray
from ray import tune
from ray.tune.schedulers import ASHAScheduler

import auto_vp.const as const
from auto_vp.imagenet1000_classname import IMGNET_CLASSNAME
from auto_vp.load_model import Load_Reprogramming_Model

# ---------------------------------------------------------------------------------------------
# The search as the browser set it up (search ${state.id}).

DATASET = ${py(dataset.name)}
DATASET_SOURCE = ${py(builtin ?? 'image-folder')}  # "mnist", "fashion-mnist" (torchvision), or an image folder
CLASS_NAMES = ${py(dataset.classes)}
SEED = ${state.seed}
BASE_SIZE = ${o.baseDesign.baseSize}  # every image is first resized to BASE_SIZE x BASE_SIZE (AutoVP: 128)
BATCH_SIZE = ${o.baseDesign.batchSize}
VAL_FRACTION = ${pyFloat(data.valFraction)}  # of the training pool, held out for validation
TEST_FRACTION = ${pyFloat(data.testFraction ?? 0.2)}  # carved out of the pool only for an image folder without a test/ folder
# The browser trained on ${data.trainImages} images and validated on ${data.valImages}${data.fraction > 1 ? ` (1/${data.fraction} of the pool)` : ''}; None = use the whole split.
TRAIN_IMAGES = None
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
]${excludedLines}


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def report(metrics):
    """Report one epoch to Ray Tune, whichever Ray 2.x is installed."""
    version = tuple(int(p) for p in ray.__version__.split(".")[:2])
    if version >= (2, 41):
        tune.report(metrics)
    elif version >= (2, 7):
        from ray import train as ray_train

        ray_train.report(metrics)
    else:
        from ray.air import session

        session.report(metrics)


# ---------------------------------------------------------------------------------------------
# Data: the validation split comes out of the training pool; test is touched once, at the end.


def load_splits(data_dir):
    to_tensor = [transforms.Resize((BASE_SIZE, BASE_SIZE)), transforms.ToTensor()]
    gray = [transforms.Grayscale(num_output_channels=3)]
    if DATASET_SOURCE in ("mnist", "fashion-mnist"):
        kind = datasets.MNIST if DATASET_SOURCE == "mnist" else datasets.FashionMNIST
        tf = transforms.Compose(gray + to_tensor)
        pool = kind(data_dir, train=True, download=True, transform=tf)
        test = kind(data_dir, train=False, download=True, transform=tf)
    else:
        tf = transforms.Compose(to_tensor)
        if os.path.isdir(os.path.join(data_dir, "train")):
            pool = datasets.ImageFolder(os.path.join(data_dir, "train"), transform=tf)
            test = datasets.ImageFolder(os.path.join(data_dir, "test"), transform=tf)
        else:
            pool, test = datasets.ImageFolder(data_dir, transform=tf), None
    order = torch.randperm(len(pool), generator=torch.Generator().manual_seed(SEED)).tolist()
    n_val = int(round(len(pool) * VAL_FRACTION))
    n_test = int(round(len(pool) * TEST_FRACTION)) if test is None else 0
    val_idx, test_idx, train_idx = order[:n_val], order[n_val : n_val + n_test], order[n_val + n_test :]
    if test is None:
        test = Subset(pool, test_idx)
    cut = lambda idx, n: idx if n is None else idx[:n]
    train = Subset(pool, cut(train_idx, TRAIN_IMAGES))
    val = Subset(pool, cut(val_idx, VAL_IMAGES))
    if TEST_IMAGES is not None:
        test = Subset(test, list(range(min(TEST_IMAGES, len(test)))))
    return train, val, test


def loader(split, shuffle):
    generator = torch.Generator().manual_seed(SEED)
    return DataLoader(split, batch_size=BATCH_SIZE, shuffle=shuffle, generator=generator, num_workers=2)


# ---------------------------------------------------------------------------------------------
# The reference's model, mapping and training step.


def build_model(cfg, device):
    # auto_vp looks datasets up by name: register this one (BASE_SIZE images, its classes).
    const.CLASS_NUMBER[DATASET] = len(CLASS_NAMES)
    const.IMG_SIZE[DATASET] = BASE_SIZE
    model = Load_Reprogramming_Model(
        DATASET,
        device,
        file_path=None,
        mapping_method=cfg["mapping_method"],
        set_train_resize=cfg["set_train_resize"],
        pretrained_model=cfg["pretrained_model"],
        mapping=None,
        scale=float(cfg["scale"]),
        num_map=cfg["num_map"] or 1,
        weightinit=True,
    )
    if model.model_name[0:4] == "clip":
        model.CLIP_Text_Embedding(CLASS_NAMES, 0)
    if cfg["mapping_method"] == "semantic_mapping":
        model.output_mapping.Semantic_mapping(list(IMGNET_CLASSNAME.values()), CLASS_NAMES, show_map=False)
    return model


def optimiser(model, cfg, total_steps):
    lr, wd = cfg["lr"], cfg["weight_decay"]
    if cfg["pretrained_model"][0:4] == "clip":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=wd)
        return opt, torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=wd)
    milestones = [int(0.5 * total_steps), int(0.72 * total_steps)]
    return opt, torch.optim.lr_scheduler.MultiStepLR(opt, milestones=milestones, gamma=0.1)


def remap_if_due(model, cfg, epoch, train_loader, device):
    """FreqMap before the first epoch; IterMap again every freqmap_interval epochs."""
    if cfg["mapping_method"] != "frequency_based_mapping":
        return
    interval = cfg["freqmap_interval"]
    if epoch == 0 or (interval is not None and epoch % interval == 0):
        model.output_mapping.Frequency_mapping(model, train_loader, device, False)


def train_epoch(model, cfg, train_loader, opt, sched, device):
    criterion = nn.CrossEntropyLoss()
    model.train()
    model.model.eval()
    seen, correct, loss_sum = 0, 0, 0.0
    for imgs, labels in train_loader:
        imgs, labels = imgs.to(device), labels.to(device)
        opt.zero_grad()
        logits = model(imgs)
        loss = criterion(logits, labels)
        loss.backward()
        if model.model_name[0:4] == "clip":
            if model.no_trainable_resize == 0:
                nn.utils.clip_grad_value_(model.train_resize.scale, 0.001)
            if cfg["mapping_method"] == "fully_connected_layer_mapping":
                nn.utils.clip_grad_value_(model.output_mapping.layers.parameters(), 0.001)
        opt.step()
        sched.step()
        if model.model_name[0:4] == "clip":
            model.model.logit_scale.data = torch.clamp(model.model.logit_scale.data, 0, 4.6052)
        if model.no_trainable_resize == 0:
            with torch.no_grad():
                model.train_resize.scale.clamp_(0.1, 5.0)
        seen += labels.numel()
        correct += (logits.argmax(dim=-1) == labels).sum().item()
        loss_sum += loss.item() * labels.numel()
    return correct / seen, loss_sum / seen


@torch.no_grad()
def evaluate(model, data_loader, device):
    criterion = nn.CrossEntropyLoss(reduction="sum")
    model.eval()
    seen, correct, loss_sum = 0, 0, 0.0
    for imgs, labels in data_loader:
        imgs, labels = imgs.to(device), labels.to(device)
        logits = model(imgs)
        seen += labels.numel()
        correct += (logits.argmax(dim=-1) == labels).sum().item()
        loss_sum += criterion(logits, labels).item()
    return correct / seen, loss_sum / seen


def learnt_scale(model, cfg):
    return model.train_resize.scale.item() if model.no_trainable_resize == 0 else float(cfg["scale"])


def run_epochs(cfg, data_dir, epochs, on_epoch):
    seed_everything(SEED)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train, val, test = load_splits(data_dir)
    train_loader, val_loader = loader(train, True), loader(val, False)
    model = build_model(cfg, device)
    opt, sched = optimiser(model, cfg, epochs * len(train_loader))
    for epoch in range(epochs):
        remap_if_due(model, cfg, epoch, train_loader, device)
        train_acc, train_loss = train_epoch(model, cfg, train_loader, opt, sched, device)
        val_acc, val_loss = evaluate(model, val_loader, device)
        on_epoch(
            {
                "val_acc": val_acc,
                "val_loss": val_loss,
                "train_acc": train_acc,
                "train_loss": train_loss,
                "last_scale": learnt_scale(model, cfg),
            }
        )
    return model, test, device


def trainable(config, data_dir):
    """One trial: a Ray Tune training_iteration per epoch; ASHA decides whether it goes on."""
    cfg = dict(config["trial"], lr=config["lr"], weight_decay=config["weight_decay"])
    if cfg["lr"] is None:
        cfg["lr"] = default_lr(cfg)
    run_epochs(cfg, data_dir, MAX_T, report)


def default_lr(cfg):
    return CLIP_LR if cfg["pretrained_model"][0:4] == "clip" else LR


# ---------------------------------------------------------------------------------------------
# The search: stage 1 over the designs, stage 2 over lr x weight decay, then the final training.


def tune_stage(data_dir, param_space, resources, name):
    scheduler = ASHAScheduler(
        time_attr="training_iteration",
        metric="val_acc",
        mode="max",
        max_t=MAX_T,
        grace_period=GRACE_PERIOD,
        reduction_factor=REDUCTION_FACTOR,
    )
    tuner = tune.Tuner(
        tune.with_resources(tune.with_parameters(trainable, data_dir=data_dir), resources),
        param_space=param_space,
        tune_config=tune.TuneConfig(scheduler=scheduler, num_samples=1),
    )
    results = tuner.fit()
    results.get_dataframe().to_csv(f"{name}.csv", index=False)
    best = results.get_best_result(metric="val_acc", mode="max", scope="last")
    print(f"{name}: best {best.config} with validation accuracy {best.metrics['val_acc']:.4f}")
    return best


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", default="./data", help="where torchvision downloads the data, or the image folder")
    p.add_argument("--gpus-per-trial", type=float, default=1 if torch.cuda.is_available() else 0)
    p.add_argument("--cpus-per-trial", type=float, default=2)
    args = p.parse_args()
    data_dir = os.path.abspath(args.data_dir)
    resources = {"cpu": args.cpus_per_trial, "gpu": args.gpus_per_trial}
    # A model of PRETRAINED takes the configurations of its kind: an ImageNet-1k classifier resnet18's,
    # a CLIP model clip's (the same source classes, so the same exclusions).
    kind = lambda name: "clip" if name[0:4] == "clip" else "resnet18"
    configs = [dict(c, pretrained_model=m) for m in PRETRAINED for c in CONFIGS if c["pretrained_model"] == kind(m)]
    if not configs:
        raise SystemExit(f"No configuration for PRETRAINED = {PRETRAINED}: CONFIGS has none of their kind.")

    best = tune_stage(
        data_dir,
        {"trial": tune.grid_search(configs), "lr": None, "weight_decay": WEIGHT_DECAY},
        resources,
        "autovp_stage1",
    )
    winner = dict(best.config["trial"])
    lr, wd = default_lr(winner), WEIGHT_DECAY
    if LR_GRID and WEIGHT_DECAY_GRID:
        lrs = CLIP_LR_GRID if winner["pretrained_model"][0:4] == "clip" else LR_GRID
        best = tune_stage(
            data_dir,
            {"trial": winner, "lr": tune.grid_search(lrs), "weight_decay": tune.grid_search(WEIGHT_DECAY_GRID)},
            resources,
            "autovp_stage2",
        )
        lr, wd = best.config["lr"], best.config["weight_decay"]

    final = dict(winner, lr=lr, weight_decay=wd)
    print(f"Training the winner for {FINAL_EPOCHS} epochs: {final}")
    model, test, device = run_epochs(final, data_dir, FINAL_EPOCHS, lambda m: print(m))
    test_acc, test_loss = evaluate(model, loader(test, False), device)
    print(f"Test accuracy of the winner: {test_acc:.4f} ({len(test)} images)")


if __name__ == "__main__":
    main()
`;
}
