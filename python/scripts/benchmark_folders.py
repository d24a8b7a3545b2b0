"""Write AutoVP's benchmark tasks as the image folders `autovp benchmark --root ROOT` reads.

    /usr/bin/python3 python/scripts/benchmark_folders.py --root ~/vp-tasks [--tasks svhn,cifar10,…]
        [--data ~/torchvision-data] [--download] [--max-per-class N]
    /usr/bin/python3 python/scripts/benchmark_folders.py --root /tmp/tasks --fake 3   (no data needed: a test)

Layout, one folder per task (its name is how `autovp benchmark` finds the published numbers):

    ROOT/<task>/train/<class>/<n>.png
    ROOT/<task>/test/<class>/<n>.png      (absent where the dataset has no test split: EuroSAT)

The datasets come from torchvision (Debian's python3-torchvision), downloaded with --download where the
internet is available, or read from --data where they were downloaded before. Train is the official
training split (with the validation split folded in where there is one: Flowers102, DTD), test the
official test split. UCF101 (videos), ISIC and FMoW are not in torchvision: the script says where
to get them; put them in the same layout by hand. A task is written to a temporary folder and
renamed when complete, so an interrupted run leaves no half-written task, and a finished task is
not written again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from typing import Callable, Iterable

from torchvision import datasets

# task → (builder of [(split name, dataset)], how the class names are found)
Split = tuple[str, object]

NOT_IN_TORCHVISION = {
    "ucf101": "UCF101 is a video dataset; AutoVP used one middle frame per clip "
              "(https://www.crcv.ucf.edu/data/UCF101.php).",
    "isic": "ISIC 2019 melanoma images: https://challenge.isic-archive.com/data/ (ImageFolder by diagnosis).",
    "fmow": "FMoW (Functional Map of the World): https://github.com/fMoW/dataset (or WILDS' fmow).",
}


def torchvision_tasks(data: str, download: bool) -> dict[str, Callable[[], list[Split]]]:
    d = dict(root=data, download=download)
    return {
        "svhn": lambda: [("train", datasets.SVHN(split="train", **d)), ("test", datasets.SVHN(split="test", **d))],
        "cifar10": lambda: [("train", datasets.CIFAR10(train=True, **d)), ("test", datasets.CIFAR10(train=False, **d))],
        "cifar100": lambda: [("train", datasets.CIFAR100(train=True, **d)),
                             ("test", datasets.CIFAR100(train=False, **d))],
        "flowers102": lambda: [("train", datasets.Flowers102(split="train", **d)),
                               ("train", datasets.Flowers102(split="val", **d)),
                               ("test", datasets.Flowers102(split="test", **d))],
        "food101": lambda: [("train", datasets.Food101(split="train", **d)),
                            ("test", datasets.Food101(split="test", **d))],
        "oxfordiiitpet": lambda: [("train", datasets.OxfordIIITPet(split="trainval", **d)),
                                  ("test", datasets.OxfordIIITPet(split="test", **d))],
        "eurosat": lambda: [("train", datasets.EuroSAT(**d))],
        "dtd": lambda: [("train", datasets.DTD(split="train", **d)), ("train", datasets.DTD(split="val", **d)),
                        ("test", datasets.DTD(split="test", **d))],
        "gtsrb": lambda: [("train", datasets.GTSRB(split="train", **d)), ("test", datasets.GTSRB(split="test", **d))],
    }


def fake_task(classes: int, images: int) -> list[Split]:
    """torchvision's FakeData: random images, a test of this script and of the layout only."""
    return [("train", datasets.FakeData(size=images * classes, image_size=(3, 32, 32), num_classes=classes,
                                        random_offset=0)),
            ("test", datasets.FakeData(size=images * classes // 2 or 1, image_size=(3, 32, 32),
                                       num_classes=classes, random_offset=10_000))]


def class_names(dataset: object, count: int) -> list[str]:
    names = getattr(dataset, "classes", None)
    if names and len(names) == count:
        return [str(n).replace("/", "_").strip() or f"class_{i}" for i, n in enumerate(names)]
    width = len(str(count - 1))
    return [f"class_{i:0{width}d}" for i in range(count)]


def labels_of(dataset: object) -> list[int]:
    for attr in ("targets", "labels", "_labels"):
        values = getattr(dataset, attr, None)
        if values is not None:
            return [int(v) for v in values]
    if hasattr(dataset, "_samples"):  # GTSRB
        return [int(label) for _, label in dataset._samples]
    return [int(dataset[i][1]) for i in range(len(dataset))]  # FakeData: labels drawn per item


def write_task(root: str, task: str, splits: Iterable[Split], max_per_class: int | None) -> int:
    final = os.path.join(root, task)
    temp = os.path.join(root, f".{task}.partial")
    shutil.rmtree(temp, ignore_errors=True)
    written = 0
    numbering: dict[tuple[str, str], int] = {}
    for split, dataset in splits:
        labels = labels_of(dataset)
        count = max(labels) + 1 if labels else 0
        if hasattr(dataset, "classes") and dataset.classes:
            count = max(count, len(dataset.classes))
        names = class_names(dataset, count)
        for i, label in enumerate(labels):
            key = (split, names[label])
            n = numbering.get(key, 0)
            if max_per_class is not None and n >= max_per_class:
                continue
            numbering[key] = n + 1
            image = dataset[i][0]
            folder = os.path.join(temp, split, names[label])
            os.makedirs(folder, exist_ok=True)
            image.convert("RGB").save(os.path.join(folder, f"{n}.png"))
            written += 1
    os.replace(temp, final)
    return written


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--root", required=True, help="where the task folders go")
    p.add_argument("--tasks", default=None, help="comma-separated; default: every task torchvision has")
    p.add_argument("--data", default=os.path.expanduser("~/.cache/torchvision-data"),
                   help="torchvision's dataset folder")
    p.add_argument("--download", action="store_true", help="download what is missing (needs the internet)")
    p.add_argument("--max-per-class", type=int, default=None, help="keep at most N images per class and split")
    p.add_argument("--fake", type=int, default=None, metavar="CLASSES",
                   help="write one task 'fake' of random images with this many classes (for tests)")
    p.add_argument("--fake-images", type=int, default=8, help="training images per class of --fake")
    args = p.parse_args()
    os.makedirs(args.root, exist_ok=True)

    if args.fake is not None:
        n = write_task(args.root, "fake", fake_task(args.fake, args.fake_images), args.max_per_class)
        print(f"fake: {n} images → {os.path.join(args.root, 'fake')}")
        return 0

    known = torchvision_tasks(args.data, args.download)
    wanted = args.tasks.split(",") if args.tasks else list(known)
    failed = 0
    for task in wanted:
        if os.path.isdir(os.path.join(args.root, task)):
            print(f"{task}: already written, kept")
            continue
        if task in NOT_IN_TORCHVISION:
            print(f"{task}: not in torchvision. {NOT_IN_TORCHVISION[task]}", file=sys.stderr)
            failed += 1
            continue
        if task not in known:
            print(f"{task}: unknown task; known: {', '.join([*known, *NOT_IN_TORCHVISION])}", file=sys.stderr)
            failed += 1
            continue
        try:
            n = write_task(args.root, task, known[task](), args.max_per_class)
        except RuntimeError as e:  # torchvision: "Dataset not found or corrupted. You can use download=True …"
            hint = "" if args.download else " Add --download (needs the internet) or point --data at a copy."
            print(f"{task}: {e}.{hint}", file=sys.stderr)
            failed += 1
            continue
        print(f"{task}: {n} images → {os.path.join(args.root, task)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
