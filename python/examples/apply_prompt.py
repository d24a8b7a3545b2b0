"""Classify image files with an AutoVP prompt file in PyTorch.

    /usr/bin/python3 python/examples/apply_prompt.py PROMPT.safetensors MODEL_DIR IMAGE [IMAGE …]

MODEL_DIR holds the model's model.json and weight shards (for the app's bundled model:
public/generated/models/nsfwjs-mobilenet-v2 after `npm install`), or for a CLIP prompt the
checkpoint folder (config.json, model.safetensors, tokenizer.json). Images are prepared as the
manifest's "preprocessing" says (square fit, transparency onto alphaBackground) with Pillow;
the app resamples with the browser's canvas, so probabilities can differ slightly from the
app's for the same file (the stored pixels of a dataset give identical results, see
reproduce_predictions.py).
"""

import os
import sys

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autovp.clip_prompt import clip_source_model  # noqa: E402
from autovp.prompt_file import load_prompt_file  # noqa: E402  (numpy only)
from autovp.tfjs_to_torch import load_tfjs_layers_model  # noqa: E402


def prepare(path: str, size: int, fit: str, background) -> np.ndarray:
    """An image file → uint8 [size, size, 3], as the app's import does."""
    img = ImageOps.exif_transpose(Image.open(path)).convert("RGBA")
    w, h = img.size
    canvas = Image.new("RGBA", (size, size), tuple(background) + (255,))
    if fit == "crop":
        side = min(w, h)
        img = img.crop(((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side)).resize((size, size), Image.BICUBIC)
        canvas.alpha_composite(img)
    elif fit == "pad":
        scale = size / max(w, h)
        dw, dh = max(1, round(w * scale)), max(1, round(h * scale))
        canvas.alpha_composite(img.resize((dw, dh), Image.BICUBIC), ((size - dw) // 2, (size - dh) // 2))
    else:
        canvas.alpha_composite(img.resize((size, size), Image.BICUBIC))
    return np.asarray(canvas.convert("RGB"), dtype=np.uint8)


def main() -> None:
    prompt_path, model_dir, *images = sys.argv[1:]
    pf = load_prompt_file(prompt_path)
    if pf.manifest["model"]["format"] == "clip":
        source = clip_source_model(pf, model_dir)
    else:
        model = load_tfjs_layers_model(model_dir)
        out = pf.source_output
        source = lambda x: model(x, [out])[out]  # noqa: E731
    pre = pf.manifest["preprocessing"]
    probs = []
    for path in images:
        # As the app does: imported datasets' working size, else the image's own square side
        # (at most baseSize); pf.base_images then resizes to baseSize like the engine.
        w, h = ImageOps.exif_transpose(Image.open(path)).size
        own = min(w, h) if pre["fit"] == "crop" else max(w, h)
        size = pre["workingSize"] or min(own, pre["baseSize"])
        pixels = prepare(path, size, pre["fit"], pre["alphaBackground"])[None]
        probs.append(pf.predict(source, pixels)[0])

    for path, p in zip(images, probs):
        top = np.argsort(-p)[: min(5, len(p))]
        print(path + ": " + ", ".join(f"{pf.classes[t]} {p[t]:.1%}" for t in top))


if __name__ == "__main__":
    main()
