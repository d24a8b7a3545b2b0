"""The CLI against PyTorch on the same task and settings (a reference run, not a test).

    # 1. an ImageFolder of PNGs from a built-in dataset (public/generated, npm run prepare-assets)
    /usr/bin/python3 python/scripts/cli_reference.py export --dataset mnist --out /tmp/mnist-500 \
        --train-per-class 50 --test-per-class 20 --seed 0
    # 2. the CLI on it
    npx autovp train --data /tmp/mnist-500 --model ../shared/models/darknet-tiny --mapping fully \
        --scale 1 --epochs 5 --batch 32 --lr 1e-3 --seed 1 --out /tmp/cli-mnist
    # 3. the same task and settings in PyTorch (python/autovp: tfjs_to_torch + vp_reference)
    /usr/bin/python3 python/scripts/cli_reference.py train --data /tmp/mnist-500 \
        --model ../shared/models/darknet-tiny --epochs 5 --batch 32 --lr 1e-3 --seed 1 --out /tmp/torch-mnist.json

The PyTorch side reads the same PNGs with PIL and prepares them independently of the TypeScript:
gray repeated to RGB, bilinear resize (half-pixel centres) to the 128-pixel working size, rounded
to uint8 as the CLI stores them; then AutoVP's pipeline from python/autovp/vp_reference.py:
scale 1 (the 128-pixel image centred on the 224 canvas), padding prompt sigmoid(δ)·mask from
zeros, darknet-tiny rebuilt from its model.json (tfjs_to_torch), FullyMap initialised like
torch.nn.Linear, cross-entropy, Adam with the step schedule (×0.1 at 50% and 72% of the steps),
10% of every class held out for validation, batches reshuffled every epoch. The seeds draw
different random numbers than the engine's, so single runs differ by the noise of the split and
the initialisation: compare several seeds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autovp.tfjs_to_torch import load_tfjs_layers_model  # noqa: E402
from autovp.vp_reference import VisualPromptReference, cross_entropy, make_optimizer  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")


# --------------------------------------------------------------------------------------------
# export: a built-in dataset as an ImageFolder of PNGs
# --------------------------------------------------------------------------------------------

def export(args: argparse.Namespace) -> None:
    from PIL import Image

    folder = os.path.join(ROOT, "public", "generated", "datasets", args.dataset)
    with open(os.path.join(folder, "meta.json")) as f:
        meta = json.load(f)
    h, w, c = meta["height"], meta["width"], meta["channels"]
    rng = np.random.default_rng(args.seed)
    for split, per_class in (("train", args.train_per_class), ("test", args.test_per_class)):
        s = meta["splits"][split]
        images = np.fromfile(os.path.join(folder, s["images"]), dtype=np.uint8).reshape(s["count"], h, w, c)
        labels = np.fromfile(os.path.join(folder, s["labels"]), dtype=np.uint8)
        for label, name in enumerate(meta["classes"]):
            chosen = rng.permutation(np.flatnonzero(labels == label))[:per_class]
            out = os.path.join(args.out, split, name)
            os.makedirs(out, exist_ok=True)
            for i in chosen:
                pixels = images[i][:, :, 0] if c == 1 else images[i]
                Image.fromarray(pixels).save(os.path.join(out, f"{i}.png"))
    print(f"wrote {args.out}/train ({args.train_per_class}/class) and {args.out}/test ({args.test_per_class}/class)")


# --------------------------------------------------------------------------------------------
# train: the same run in PyTorch
# --------------------------------------------------------------------------------------------

def read_split(folder: str, size: int):
    """ImageFolder split → uint8 [N, 3, size, size], labels, class names (sorted by code point)."""
    from PIL import Image

    classes = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)) and not d.startswith("."))
    xs, ys = [], []
    for label, name in enumerate(classes):
        for file in sorted(os.listdir(os.path.join(folder, name))):
            if not file.lower().endswith(IMAGE_EXTENSIONS):
                continue
            img = np.asarray(Image.open(os.path.join(folder, name, file)).convert("RGB"), dtype=np.float32)
            x = torch.from_numpy(img).permute(2, 0, 1).unsqueeze(0) / 255.0
            if x.shape[-1] != x.shape[-2]:
                raise SystemExit(f"{file}: this reference takes square images only")
            if x.shape[-1] != size:
                x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=x.shape[-1] > size)
            xs.append(torch.round(x.clamp(0, 1) * 255).to(torch.uint8))
            ys.append(label)
    return torch.cat(xs), torch.tensor(ys), classes


def stratified_val(labels: torch.Tensor, fraction: float, rng: np.random.Generator):
    train, val = [], []
    for c in sorted(set(labels.tolist())):
        idx = rng.permutation(np.flatnonzero(labels.numpy() == c))
        n_val = int(round(len(idx) * fraction))
        if len(idx) - n_val < 1:
            n_val = len(idx) - 1
        val += idx[:n_val].tolist()
        train += idx[n_val:].tolist()
    return np.array(train), np.array(val)


def accuracy(model: VisualPromptReference, x: torch.Tensor, y: torch.Tensor, batch: int):
    correct, loss_sum = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            xb = x[i:i + batch].float() / 255.0
            logits = model(xb)
            loss_sum += float(cross_entropy(logits, y[i:i + batch])) * len(xb)
            correct += int((logits.argmax(1) == y[i:i + batch]).sum())
    return correct / max(1, len(y)), loss_sum / max(1, len(y))


def train(args: argparse.Namespace) -> None:
    started = time.time()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x_pool, y_pool, classes = read_split(os.path.join(args.data, "train"), 128)
    x_test, y_test, test_classes = read_split(os.path.join(args.data, "test"), 128)
    assert classes == test_classes, "train and test classes differ"
    tr, va = stratified_val(y_pool, args.val_fraction, rng)
    net = load_tfjs_layers_model(args.model)
    output = "global_average_pooling2d_1"

    def network(x: torch.Tensor) -> torch.Tensor:
        return net(x, [output])[output].reshape(x.shape[0], -1)

    num_source, num_target = 1000, len(classes)
    model = VisualPromptReference(network, canvas=224, base=128, input_scale=args.scale, trainable_resize=False,
                                  value_range=(0.0, 1.0), mapping="fully", num_source=num_source, num_target=num_target)
    bound = 1.0 / math.sqrt(num_source)  # torch.nn.Linear's initialisation, as the engine's FullyMap
    with torch.no_grad():
        model.weight.uniform_(-bound, bound)
        model.bias.uniform_(-bound, bound)
    params = list(model.trainable().values())
    optimizer = make_optimizer(params, "adam", args.lr)
    steps_per_epoch = math.ceil(len(tr) / args.batch)
    total = steps_per_epoch * args.epochs
    step = 0
    epochs = []
    for epoch in range(args.epochs):
        t0 = time.time()
        order = tr[torch.randperm(len(tr)).numpy()]
        loss_sum, correct = 0.0, 0
        for b in range(steps_per_epoch):
            idx = torch.from_numpy(order[b * args.batch:(b + 1) * args.batch])
            progress = step / total
            lr = args.lr * 0.1 ** ((progress >= 0.5) + (progress >= 0.72))
            for g in optimizer.param_groups:
                g["lr"] = lr
            xb = x_pool[idx].float() / 255.0
            yb = y_pool[idx]
            optimizer.zero_grad()
            logits = model(xb)
            loss = cross_entropy(logits, yb)
            loss.backward()
            optimizer.step()
            step += 1
            loss_sum += float(loss) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
        val_acc, _ = accuracy(model, x_pool[torch.from_numpy(va)], y_pool[torch.from_numpy(va)], args.batch)
        epochs.append({"epoch": epoch + 1, "trainLoss": loss_sum / len(tr), "trainAcc": correct / len(tr), "valAcc": val_acc})
        print(f"epoch {epoch + 1}/{args.epochs}: train loss {loss_sum / len(tr):.4f} acc {correct / len(tr):.3f} · val acc {val_acc:.3f} · {time.time() - t0:.0f} s", flush=True)
    test_acc, test_loss = accuracy(model, x_test, y_test, args.batch)
    print(f"test accuracy {test_acc:.4f} ({len(y_test)} images) in {time.time() - started:.0f} s")
    result = {"config": {k: v for k, v in vars(args).items() if k != "func"}, "epochs": epochs,
              "test": {"accuracy": test_acc, "loss": test_loss, "count": len(y_test)},
              "counts": {"train": len(tr), "validation": len(va), "test": len(y_test)}, "seconds": time.time() - started,
              "torch": torch.__version__}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(required=True)
    e = sub.add_parser("export", help="write a built-in dataset subset as an ImageFolder of PNGs")
    e.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist"])
    e.add_argument("--out", required=True)
    e.add_argument("--train-per-class", type=int, default=50)
    e.add_argument("--test-per-class", type=int, default=20)
    e.add_argument("--seed", type=int, default=0)
    e.set_defaults(func=export)
    t = sub.add_parser("train", help="the CLI's run in PyTorch")
    t.add_argument("--data", required=True)
    t.add_argument("--model", default=os.path.join(ROOT, "..", "shared", "models", "darknet-tiny"))
    t.add_argument("--epochs", type=int, default=5)
    t.add_argument("--batch", type=int, default=32)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--scale", type=float, default=1.0)
    t.add_argument("--val-fraction", type=float, default=0.1)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--out")
    t.set_defaults(func=train)
    args = p.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
