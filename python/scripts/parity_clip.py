"""Parity driver for CLIP (src/engine/parity/clip.test.ts).

    /usr/bin/python3 python/scripts/parity_clip.py EXCHANGE_DIR

Reads EXCHANGE_DIR/in (see autovp.exchange). meta: model_dir (a CLIP checkpoint folder),
class_names, templates, texts (extra strings for the tokenizer), semantic (SemanticMap's
source_names and target_names), and the VP case (canvas = the model's image size, base,
input_scale, activation); tensors: images [B, S, S, 3] in [0, 1] (NHWC), base_images
[B, b, b, 3], labels [B], delta [C, C, 3], weight [S, T], bias [T].

Writes EXCHANGE_DIR/out: the reference tokenizer's ids of every text (ids, concatenated, and
lengths), image features / embeddings, text embeddings of every template × class text, the
'mean' and 'perTemplate' class heads, zero-shot logits, SemanticMap's name similarity (targets ×
sources), and one VP step with the identity activation and FullyMap on the per-class logits:
prompted input, source logits, loss, gradients.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autovp.clip_reference import CLIP_MEAN, CLIP_STD, ClipReference  # noqa: E402
from autovp.clip_tokenizer import EOS, ClipTokenizerReference  # noqa: E402
from autovp.exchange import read_folder, write_folder  # noqa: E402
from autovp.vp_reference import VisualPromptReference, cross_entropy, to_model_range  # noqa: E402


def np32(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy().astype(np.float32)


def main() -> None:
    folder = sys.argv[1]
    tensors, meta = read_folder(os.path.join(folder, "in"))
    torch.manual_seed(0)
    clip = ClipReference(meta["model_dir"])
    with open(os.path.join(meta["model_dir"], "tokenizer.json"), "r", encoding="utf-8") as f:
        tok_json = json.load(f)
    tokenizer = ClipTokenizerReference(tok_json["model"]["vocab"], [m.split(" ") for m in tok_json["model"]["merges"]])
    eos = tok_json["model"]["vocab"][EOS]
    max_len = clip.config.text.max_position_embeddings
    out = {}

    def encode_all(texts):
        return [tokenizer.encode(t, max_len) for t in texts]

    def padded(ids):
        n = max(len(r) for r in ids)
        return torch.tensor([r + [eos] * (n - len(r)) for r in ids])

    extra = encode_all(meta["texts"])
    out["ids"] = np.array([i for r in extra for i in r], dtype=np.int32)
    out["lengths"] = np.array([len(r) for r in extra], dtype=np.int32)

    with torch.no_grad():
        pixels = to_model_range(torch.from_numpy(tensors["images"]).permute(0, 3, 1, 2), (0.0, 1.0), CLIP_MEAN, CLIP_STD)
        out["image_features"] = np32(clip.image_pooled(pixels))
        image_embeds = clip.image_embeds(pixels)
        out["image_embeds"] = np32(image_embeds)

        names, templates = meta["class_names"], meta["templates"]
        texts = [t.replace("{}", c.replace("_", " ")) for t in templates for c in names]  # template-major
        text_embeds = clip.text_embeds(padded(encode_all(texts)), eos)
        out["text_embeds"] = np32(text_embeds)
        unit = text_embeds / text_embeds.norm(dim=-1, keepdim=True)
        out["head_per_template"] = np32(unit)
        per_class = [padded(encode_all([t.replace("{}", c.replace("_", " ")) for t in templates])) for c in names]
        head = clip.class_embeddings(per_class, eos)
        out["head_mean"] = np32(head)
        out["logits_mean"] = np32(clip.logits(image_embeds, head))
        out["logits_per_template"] = np32(clip.logits(image_embeds, unit))

        def bare(class_names):  # SemanticMap encodes the class names alone
            return padded(encode_all([n.replace("_", " ") for n in class_names]))

        semantic = meta["semantic"]
        out["semantic_similarity"] = np32(clip.name_similarity(bare(semantic["target_names"]), bare(semantic["source_names"]), eos))

    case = meta["vp"]
    model = VisualPromptReference(
        lambda x: clip.logits(clip.image_embeds(x), head), canvas=case["canvas"], base=case["base"],
        input_scale=case["input_scale"], trainable_resize=False, value_range=(0.0, 1.0), mean=CLIP_MEAN, std=CLIP_STD,
        mapping="fully", num_source=len(names), num_target=tensors["weight"].shape[1], activation=case["activation"])
    with torch.no_grad():
        model.delta.copy_(torch.from_numpy(tensors["delta"]))
        model.weight.copy_(torch.from_numpy(tensors["weight"]))
        model.bias.copy_(torch.from_numpy(tensors["bias"]))
    base = torch.from_numpy(tensors["base_images"]).permute(0, 3, 1, 2)
    labels = torch.from_numpy(tensors["labels"]).long()
    out["vp/prompted"] = np32(model.prompted(base).permute(0, 2, 3, 1))
    out["vp/source_logits"] = np32(model.source_logits(base))
    loss = cross_entropy(model(base), labels)
    loss.backward()
    out["vp/loss"] = np32(loss.reshape(1))
    out["vp/grad/delta"] = np32(model.delta.grad)
    out["vp/grad/weight"] = np32(model.weight.grad)
    out["vp/grad/bias"] = np32(model.bias.grad)
    write_folder(os.path.join(folder, "out"), out, {})


if __name__ == "__main__":
    main()
