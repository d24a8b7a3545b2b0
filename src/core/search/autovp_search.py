#!/usr/bin/env python3
"""AutoVP search under Ray Tune: the template AutoVP Playground exports a search with.

The export replaces this docstring with the search's own (dataset, configurations, how to install
and run) and the settings block below with the search's settings; everything else is this file.
As it stands it searches two configurations on MNIST, as an example.
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

# --- settings: written by AutoVP Playground for each exported search ---
DATASET = "MNIST digits"
DATASET_SOURCE = "mnist"  # "mnist", "fashion-mnist" (torchvision), or an image folder
CLASS_NAMES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
SEED = 7
BASE_SIZE = 128  # every image is first resized to BASE_SIZE x BASE_SIZE (AutoVP: 128)
BATCH_SIZE = 32
VAL_FRACTION = 0.1  # of the training pool, held out for validation
TEST_FRACTION = 0.2  # carved out of the pool only for an image folder without a test/ folder
# The browser's trials trained on 300 images, its winner on 1000, all validated on 200;
# here None = use the whole split (set the browser's counts to repeat its search exactly).
TRAIN_IMAGES = None  # the winner's final training
TRIAL_TRAIN_IMAGES = None  # each trial's (at most TRAIN_IMAGES)
VAL_IMAGES = None
TEST_IMAGES = None
FINAL_EPOCHS = 3

# ASHA as in the browser (the reference: max_t 2-5, grace_period 2-3, reduction_factor 2).
MAX_T = 4
GRACE_PERIOD = 1
REDUCTION_FACTOR = 2

# Optimiser outside the second stage: the reference's Adam (SGD with momentum for CLIP).
LR = 0.003  # the browser's; the reference uses 1e-3 (40 for CLIP)
WEIGHT_DECAY = 0.0
CLIP_LR = 40.0
# Second stage for the winner (empty = none); CLIP takes the reference's CLIP learning rates.
LR_GRID = []
WEIGHT_DECAY_GRID = []
CLIP_LR_GRID = [35.0, 40.0, 45.0]

# Source models. The browser searched:
# darknet-tiny (darknet-tiny): not in AutoVP's model zoo; searched as "resnet18" (ImageNet-1k, the paper's benchmark model).
# The reference also offers "ig_resnext101_32x8d", "swin_t", "vgg16_bn", "resnet50", "vit_b_16", "clip_large":
# a model put here is searched with the configurations of its kind (ImageNet classifier or CLIP) below.
PRETRAINED = ["resnet18"]

# Every configuration, with the reference's parameter names (auto_vp/ray_tune_setting.py).
CONFIGS = [
    {"pretrained_model": "resnet18", "mapping_method": "fully_connected_layer_mapping", "num_map": None, "freqmap_interval": None, "scale": 1.0, "set_train_resize": False},
    {"pretrained_model": "resnet18", "mapping_method": "frequency_based_mapping", "num_map": 1, "freqmap_interval": None, "scale": 1.0, "set_train_resize": False},
]
# --- end of settings ---


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


def load_splits(data_dir, train_images):
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
    train = Subset(pool, cut(train_idx, train_images))
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


def run_epochs(cfg, data_dir, epochs, train_images, on_epoch):
    seed_everything(SEED)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train, val, test = load_splits(data_dir, train_images)
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
    return model, test, device, len(train)


def trainable(config, data_dir):
    """One trial: a Ray Tune training_iteration per epoch; ASHA decides whether it goes on."""
    cfg = dict(config["trial"], lr=config["lr"], weight_decay=config["weight_decay"])
    if cfg["lr"] is None:
        cfg["lr"] = default_lr(cfg)
    trial_images = TRAIN_IMAGES if TRIAL_TRAIN_IMAGES is None else min(TRIAL_TRAIN_IMAGES, TRAIN_IMAGES or TRIAL_TRAIN_IMAGES)
    run_epochs(cfg, data_dir, MAX_T, trial_images, report)


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
    model, test, device, n_train = run_epochs(final, data_dir, FINAL_EPOCHS, TRAIN_IMAGES, lambda m: print(m))
    print(f"The winner trained on {n_train} images")
    test_acc, test_loss = evaluate(model, loader(test, False), device)
    print(f"Test accuracy of the winner: {test_acc:.4f} ({len(test)} images)")


if __name__ == "__main__":
    main()
