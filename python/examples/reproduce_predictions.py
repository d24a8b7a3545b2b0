"""Reproduce the app's predictions of a prompt file in PyTorch (the CI check behind
src/engine/export/pythonInterop.test.ts, usable by hand too).

    /usr/bin/python3 python/examples/reproduce_predictions.py PROMPT.safetensors MODEL_DIR IMAGES.npy \
        [--labels LABELS.npy] [--engine-input INPUT.npy] [--out OUT.json]

MODEL_DIR: the tfjs model folder (model.json), or for a CLIP prompt the checkpoint folder
(config.json, model.safetensors, tokenizer.json; autovp.clip_prompt rebuilds its text head).

IMAGES.npy: uint8 [N, H, W(, 3)] images prepared like the run's dataset. LABELS.npy: int32 [N].
INPUT.npy: the engine's model input for the same images (float32 NHWC), to compare with.
Writes (or prints) JSON: probabilities [N, T], argmax, accuracy, and the largest difference
between the model inputs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autovp.clip_prompt import clip_source_model  # noqa: E402
from autovp.prompt_file import load_prompt_file  # noqa: E402
from autovp.tfjs_to_torch import load_tfjs_layers_model  # noqa: E402


def source_model(pf, model_dir: str):
    """Model input → source logits: a CLIP checkpoint folder for CLIP prompts, else a tfjs model.json."""
    if pf.manifest["model"]["format"] == "clip":
        return clip_source_model(pf, model_dir)
    model = load_tfjs_layers_model(model_dir)
    name = pf.source_output
    return lambda x: model(x, [name])[name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prompt")
    parser.add_argument("model_dir")
    parser.add_argument("images")
    parser.add_argument("--labels")
    parser.add_argument("--engine-input")
    parser.add_argument("--out")
    args = parser.parse_args()
    started = time.time()
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    pf = load_prompt_file(args.prompt)
    pixels = np.load(args.images)
    probs = pf.predict(source_model(pf, args.model_dir), pixels)
    result = {
        "probabilities": probs.tolist(),
        "argmax": probs.argmax(axis=1).tolist(),
        "classes": pf.classes,
        "seconds": 0.0,
    }
    if args.labels:
        labels = np.load(args.labels)
        result["accuracy"] = float((probs.argmax(axis=1) == labels).mean())
    if args.engine_input:
        engine = torch.from_numpy(np.load(args.engine_input)).permute(0, 3, 1, 2)
        with torch.no_grad():
            mine = pf.model_input(pf.base_images(pixels))
        result["maxInputDifference"] = float((mine - engine).abs().max())
    result["seconds"] = time.time() - started
    text = json.dumps(result)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
