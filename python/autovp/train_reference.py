"""`npx autovp train` in PyTorch: an independent visual-prompt training loop on an image folder,
to check that the CLI's accuracy is in line with PyTorch's on the same task and settings.

    # from the project folder
    # 1. a small ImageFolder of 128×128 PNGs from a built-in dataset (public/generated)
    PYTHONPATH=python /usr/bin/python3 -m autovp.train_reference export --dataset mnist --out /tmp/mnist-vp \\
        --train-per-class 30 --test-per-class 20 --seed 0
    # 2. the CLI on it
    npx autovp train --data /tmp/mnist-vp --model ../shared/models/darknet-tiny --mapping fully \\
        --epochs 3 --batch 32 --lr 1e-3 --seed 1 --out /tmp/cli-s1
    # 3. the same run in PyTorch (--rng cli: the CLI's split, batches and initial weights)
    PYTHONPATH=python /usr/bin/python3 -m autovp.train_reference train --data /tmp/mnist-vp \\
        --model ../shared/models/darknet-tiny --epochs 3 --batch 32 --lr 1e-3 --seed 1 --rng cli --out /tmp/torch-s1.json

What it shares with the project: the frozen network (darknet-tiny rebuilt from its model.json by
autovp.tfjs_to_torch) and AutoVP's pipeline as written in autovp.vp_reference (padding prompt
sigmoid(δ)·mask from zeros, the 128-pixel image centred on the 224 canvas at scale 1, FullyMap,
cross-entropy, torch.optim.Adam). Everything else is done here, in torch, independently of the
TypeScript engine:

- data: DIR/train/<class>/* and DIR/test/<class>/* (PNG/JPEG), classes sorted by code point as
  torchvision's ImageFolder and the CLI do; images read with PIL, gray repeated to RGB; square
  images of another size are resized to 128 with torch's bilinear filter (half-pixel centres,
  antialiased when shrinking). The `export` command writes 128×128 PNGs, so neither side resizes
  and both train on the same pixels.
- splits: `--val-fraction` (0.1, the CLI's default) of every class of train/ is held out for
  validation (round half up per class, at least one training image kept); test/ is the test split,
  evaluated once at the end.
- training: batches of `--batch`, reshuffled every epoch, the last partial batch kept; Adam
  (betas 0.9/0.999, eps 1e-8, no weight decay) with the CLI's step schedule: lr × 0.1 at 50% and
  again at 72% of the optimiser steps (`--schedule constant` turns it off).
- random numbers, `--rng`:
  * `torch` (default): the split, the batch order and FullyMap's initialisation (uniform ±1/√S,
    torch.nn.Linear's) are drawn by numpy/torch from `--seed`. Seeds mean nothing across
    frameworks: compare a few seeds on each side.
  * `cli`: the same draws as the engine (mulberry32 from `--seed`, src/engine/util/rng.ts; the
    stratified split and sample of src/engine/data/splits.ts and src/engine/train/runSplits.ts;
    the epoch shuffles of src/engine/train/trainer.ts; FullyMap's initialisation of
    src/engine/mapping/labelMapping.ts), so the same images go into the same batches with the
    same initial weights, and only the arithmetic differs. It assumes the CLI's default data
    selection (no --fraction / --train-images / --val-images / --test-images).

It writes a JSON with the CLI's metrics.json field names: config, epochs [{epoch, trainLoss,
trainAcc, valAcc}], test {accuracy, loss, perClass}, counts, timing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from .tfjs_to_torch import load_tfjs_layers_model
from .vp_reference import VisualPromptReference, cross_entropy, make_optimizer

PROJECT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
BASE = 128
CANVAS = 224


# --------------------------------------------------------------------------------------------
# The engine's random numbers (src/engine/util/rng.ts: mulberry32), for --rng cli
# --------------------------------------------------------------------------------------------

class Mulberry32:
    """Bit-exact port of the engine's Rng. All arithmetic is modulo 2**32, as JS's int32 ops."""

    M = 0xFFFFFFFF

    def __init__(self, seed: int):
        self.state = seed & self.M

    def next(self) -> float:
        m = self.M
        self.state = (self.state + 0x6D2B79F5) & m
        t = self.state
        t = ((t ^ (t >> 15)) * (t | 1)) & m
        t = (t ^ ((t + (((t ^ (t >> 7)) * (t | 61)) & m)) & m)) & m
        return ((t ^ (t >> 14)) & m) / 4294967296.0

    def int(self, n: int) -> int:
        return math.floor(self.next() * n)

    def shuffle(self, a: list) -> list:
        for i in range(len(a) - 1, 0, -1):
            j = self.int(i + 1)
            a[i], a[j] = a[j], a[i]
        return a

    def fork(self) -> "Mulberry32":
        return Mulberry32(math.floor(self.next() * 4294967296))


def _js_round(x: float) -> int:
    return math.floor(x + 0.5)


def _group_by_class(labels: Sequence[int], indices: Sequence[int] | None = None) -> List[List[int]]:
    groups: Dict[int, List[int]] = {}
    for i in (range(len(labels)) if indices is None else indices):
        groups.setdefault(int(labels[i]), []).append(int(i))
    return [groups[k] for k in sorted(groups)]


def cli_stratified_split(labels: Sequence[int], val: float, seed: int) -> Tuple[List[int], List[int]]:
    """splits.ts stratifiedSplit with fractions {val} (no test): (train, val)."""
    rng = Mulberry32(seed)
    train: List[int] = []
    val_out: List[int] = []
    for group in _group_by_class(labels):
        n = len(group)
        n_val = _js_round(n * val) if n >= 2 else 0
        while n >= 2 and n_val > n - 1:
            n_val -= 1
        rng.shuffle(group)
        val_out += group[:n_val]
        train += group[n_val:]
    return rng.shuffle(train), rng.shuffle(val_out)


def cli_stratified_sample(labels: Sequence[int], total: int, seed: int, pool: Sequence[int] | None = None) -> List[int]:
    """splits.ts stratifiedSample with {total}."""
    rng = Mulberry32(seed)
    groups = _group_by_class(labels, pool)
    quota = [0] * len(groups)
    remaining = min(total, sum(len(g) for g in groups))
    while remaining > 0:
        open_ = [c for c in range(len(groups)) if quota[c] < len(groups[c])]
        share = remaining // len(open_)
        if share == 0:
            for c in rng.shuffle(open_)[:remaining]:
                quota[c] += 1
            break
        for c in open_:
            give = min(share, len(groups[c]) - quota[c])
            quota[c] += give
            remaining -= give
    out: List[int] = []
    for c, g in enumerate(groups):
        rng.shuffle(g)
        out += g[:quota[c]]
    return rng.shuffle(out)


# --------------------------------------------------------------------------------------------
# export: a built-in dataset as an ImageFolder of PNGs
# --------------------------------------------------------------------------------------------

def export(args: argparse.Namespace) -> None:
    from PIL import Image

    folder = os.path.join(PROJECT, "public", "generated", "datasets", args.dataset)
    with open(os.path.join(folder, "meta.json")) as f:
        meta = json.load(f)
    h, w, c = meta["height"], meta["width"], meta["channels"]
    rng = np.random.default_rng(args.seed)
    for split, per_class in (("train", args.train_per_class), ("test", args.test_per_class)):
        s = meta["splits"][split]
        images = np.memmap(os.path.join(folder, s["images"]), dtype=np.uint8, mode="r").reshape(s["count"], h, w, c)
        labels = np.fromfile(os.path.join(folder, s["labels"]), dtype=np.uint8)
        for label, name in enumerate(meta["classes"]):
            chosen = rng.permutation(np.flatnonzero(labels == label))[:per_class]
            out = os.path.join(args.out, split, name)
            os.makedirs(out, exist_ok=True)
            for i in chosen:
                img = Image.fromarray(np.array(images[i][:, :, 0] if c == 1 else images[i]))
                if args.size and args.size != w:
                    img = img.resize((args.size, args.size), Image.BILINEAR)
                img.save(os.path.join(out, f"{i:05d}.png"))
    print(f"wrote {args.out}/train ({args.train_per_class} per class) and {args.out}/test "
          f"({args.test_per_class} per class), {args.size or w}×{args.size or h} PNGs")


# --------------------------------------------------------------------------------------------
# train: the CLI's run in PyTorch
# --------------------------------------------------------------------------------------------

def read_split(folder: str, classes: Sequence[str] | None = None):
    """ImageFolder split → (uint8 [N, 3, 128, 128], labels [N], classes), in the CLI's file
    order (relative paths sorted by code point)."""
    from PIL import Image

    if classes is None:
        classes = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)) and not d.startswith("."))
    files = []
    for label, name in enumerate(classes):
        for root, dirs, names in os.walk(os.path.join(folder, name)):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__MACOSX"]
            for file in names:
                if file.lower().endswith(IMAGE_EXTENSIONS) and not file.startswith("."):
                    path = os.path.join(root, file)
                    files.append((os.path.relpath(path, folder).replace(os.sep, "/"), path, label))
    files.sort(key=lambda f: f[0])
    xs, ys = [], []
    for _rel, path, label in files:
        x = torch.from_numpy(np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)).permute(2, 0, 1)[None] / 255.0
        if x.shape[-1] != x.shape[-2]:
            raise SystemExit(f"{path}: this reference takes square images only (the CLI's --fit is not reproduced)")
        if x.shape[-1] != BASE:
            x = F.interpolate(x, size=(BASE, BASE), mode="bilinear", align_corners=False, antialias=x.shape[-1] > BASE)
        xs.append(torch.round(x.clamp(0, 1) * 255).to(torch.uint8))
        ys.append(label)
    if not xs:
        raise SystemExit(f"{folder}: no PNG or JPEG images")
    return torch.cat(xs), torch.tensor(ys, dtype=torch.long), list(classes)


def torch_split(labels: torch.Tensor, fraction: float, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    train, val = [], []
    for c in sorted(set(labels.tolist())):
        idx = rng.permutation(np.flatnonzero(labels.numpy() == c))
        n_val = _js_round(len(idx) * fraction) if len(idx) >= 2 else 0
        n_val = min(n_val, max(len(idx) - 1, 0))
        val += idx[:n_val].tolist()
        train += idx[n_val:].tolist()
    return np.array(train, dtype=np.int64), np.array(val, dtype=np.int64)


def evaluate(model: VisualPromptReference, x: torch.Tensor, y: torch.Tensor, batch: int, num_target: int):
    predictions, loss_sum = [], 0.0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            logits = model(x[i:i + batch].float() / 255.0)
            loss_sum += float(cross_entropy(logits, y[i:i + batch])) * len(logits)
            predictions.append(logits.argmax(1))
    if not predictions:
        return {"accuracy": None, "loss": None, "perClass": {}, "count": 0}
    pred = torch.cat(predictions)
    per_class = {}
    for t in range(num_target):
        sel = y == t
        per_class[t] = float((pred[sel] == t).float().mean()) if sel.any() else None
    return {"accuracy": float((pred == y).float().mean()), "loss": loss_sum / len(y), "perClass": per_class,
            "count": int(len(y))}


def train(args: argparse.Namespace) -> None:
    started = time.time()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x_pool, y_pool, classes = read_split(os.path.join(args.data, "train"))
    x_test, y_test, _ = read_split(os.path.join(args.data, "test"), classes)
    num_target = len(classes)

    net = load_tfjs_layers_model(args.model)
    source_output = args.source_output

    def network(x: torch.Tensor) -> torch.Tensor:
        return net(x, [source_output])[source_output].reshape(x.shape[0], -1)

    with torch.no_grad():
        num_source = network(torch.zeros(1, 3, CANVAS, CANVAS)).shape[1]
    model = VisualPromptReference(network, canvas=CANVAS, base=BASE, input_scale=args.scale, trainable_resize=False,
                                  value_range=(0.0, 1.0), mapping="fully", num_source=num_source, num_target=num_target)
    bound = 1.0 / math.sqrt(num_source)
    labels = y_pool.tolist()
    if args.rng == "cli":
        pool_train, val_idx = cli_stratified_split(labels, args.val_fraction, args.seed)
        train_idx = cli_stratified_sample(labels, len(labels), args.seed, pool_train)
        val_idx = cli_stratified_sample(labels, len(labels), args.seed + 1, val_idx)
        test_order = cli_stratified_sample(y_test.tolist(), len(y_test), args.seed + 2)
        x_test, y_test = x_test[test_order], y_test[test_order]
        init = Mulberry32(args.seed)
        w = np.array([(2 * init.next() - 1) * bound for _ in range(num_source * num_target)], dtype=np.float32)
        b = np.array([(2 * init.next() - 1) * bound for _ in range(num_target)], dtype=np.float32)
        with torch.no_grad():
            model.weight.copy_(torch.from_numpy(w.reshape(num_source, num_target)))
            model.bias.copy_(torch.from_numpy(b))
        shuffler = Mulberry32(args.seed).fork()

        def epoch_order(idx: np.ndarray) -> np.ndarray:
            return np.array(shuffler.shuffle(idx.tolist()), dtype=np.int64)
    else:
        pool_train, val_idx = torch_split(y_pool, args.val_fraction, np.random.default_rng(args.seed))
        train_idx = pool_train
        with torch.no_grad():  # torch.nn.Linear's initialisation, as the engine's FullyMap
            model.weight.uniform_(-bound, bound)
            model.bias.uniform_(-bound, bound)

        def epoch_order(idx: np.ndarray) -> np.ndarray:
            return idx[torch.randperm(len(idx)).numpy()]
    train_idx = np.asarray(train_idx, dtype=np.int64)
    val_idx = np.asarray(val_idx, dtype=np.int64)
    x_val, y_val = x_pool[torch.from_numpy(val_idx)], y_pool[torch.from_numpy(val_idx)]

    optimizer = make_optimizer(list(model.trainable().values()), "adam", args.lr)
    steps_per_epoch = math.ceil(len(train_idx) / args.batch)
    total_steps = steps_per_epoch * args.epochs
    step = 0
    epochs, details = [], []
    print(f"{len(train_idx)} train, {len(val_idx)} validation, {len(y_test)} test images, {num_target} classes; "
          f"rng {args.rng}, seed {args.seed}", flush=True)
    train_started = time.time()
    for epoch in range(args.epochs):
        t0 = time.time()
        order = epoch_order(train_idx)
        loss_sum, correct = 0.0, 0
        for b in range(steps_per_epoch):
            idx = torch.from_numpy(order[b * args.batch:(b + 1) * args.batch])
            progress = step / total_steps
            lr = args.lr * (0.1 ** ((progress >= 0.5) + (progress >= 0.72)) if args.schedule == "step" else 1.0)
            for g in optimizer.param_groups:
                g["lr"] = lr
            xb, yb = x_pool[idx].float() / 255.0, y_pool[idx]
            optimizer.zero_grad()
            logits = model(xb)
            loss = cross_entropy(logits, yb)
            loss.backward()
            optimizer.step()
            step += 1
            loss_sum += float(loss) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
        v = evaluate(model, x_val, y_val, args.batch, num_target)
        epochs.append({"epoch": epoch + 1, "trainLoss": loss_sum / len(train_idx), "trainAcc": correct / len(train_idx),
                       "valAcc": v["accuracy"]})
        details.append({"epoch": epoch + 1, "valLoss": v["loss"], "seconds": time.time() - t0})
        print(f"epoch {epoch + 1}/{args.epochs}: train loss {epochs[-1]['trainLoss']:.4f} acc {epochs[-1]['trainAcc']:.3f}"
              f" · val acc {v['accuracy'] if v['accuracy'] is None else round(v['accuracy'], 3)}"
              f" · {time.time() - t0:.0f} s", flush=True)
    train_seconds = time.time() - train_started
    test = evaluate(model, x_test, y_test, args.batch, num_target)
    test["perClass"] = {classes[t]: a for t, a in test["perClass"].items()}
    count = test.pop("count")
    print(f"test accuracy {test['accuracy']:.4f} ({round(test['accuracy'] * count)}/{count}), loss {test['loss']:.4f}"
          f" · {time.time() - started:.0f} s in all", flush=True)
    config = {k: v for k, v in vars(args).items() if k != "func"}
    config.update({"labelMapping": "fully", "prompt": "pad", "inputScale": args.scale, "baseSize": BASE,
                   "optimizer": "adam", "learningRate": args.lr, "batchSize": args.batch})
    result = {
        "config": config,
        "epochs": epochs,
        "test": test,
        "validation": {"accuracy": epochs[-1]["valAcc"] if epochs else None, "count": int(len(val_idx))},
        "epochDetails": details,
        "counts": {"train": int(len(train_idx)), "validation": int(len(val_idx)), "test": count},
        "dataset": {"location": os.path.abspath(args.data), "classes": classes},
        "timing": {"trainSeconds": train_seconds, "totalSeconds": time.time() - started, "threads": args.threads},
        "generator": f"autovp.train_reference (torch {torch.__version__})",
    }
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m autovp.train_reference", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export", help="write a built-in dataset subset as an ImageFolder of PNGs")
    e.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist"])
    e.add_argument("--out", required=True)
    e.add_argument("--train-per-class", type=int, default=30)
    e.add_argument("--test-per-class", type=int, default=20)
    e.add_argument("--size", type=int, default=BASE, help="side of the PNGs (bilinear); 0 keeps 28×28")
    e.add_argument("--seed", type=int, default=0)
    e.set_defaults(func=export)
    t = sub.add_parser("train", help="the CLI's `autovp train` (pad prompt, FullyMap) in PyTorch")
    t.add_argument("--data", required=True, help="a folder with train/<class>/ and test/<class>/")
    t.add_argument("--model", default=os.path.join(PROJECT, "..", "shared", "models", "darknet-tiny"))
    t.add_argument("--source-output", default="global_average_pooling2d_1")
    t.add_argument("--epochs", type=int, default=3)
    t.add_argument("--batch", type=int, default=32)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--schedule", choices=["step", "constant"], default="step")
    t.add_argument("--scale", type=float, default=1.0)
    t.add_argument("--val-fraction", type=float, default=0.1)
    t.add_argument("--seed", type=int, default=7)
    t.add_argument("--rng", choices=["torch", "cli"], default="torch")
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--out")
    t.set_defaults(func=train)
    args = p.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
