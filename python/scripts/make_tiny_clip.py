"""Writes a tiny random CLIP in the Hugging Face hub's layout, for tests of the real loading code:

    /usr/bin/python3 python/scripts/make_tiny_clip.py OUT_DIR [--seed 0]

OUT_DIR gets config.json (vision_config, text_config, projection_dim, as openai/clip-vit-base-patch32
has them), model.safetensors (CLIPModel's tensor names and shapes, float32, plus the int64
position_ids buffers older checkpoints carry), tokenizer.json (CLIP's byte-level BPE pipeline with
a small vocabulary trained here) and tokenizer_config.json. Same seed, same bytes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import struct
import sys
from typing import Dict

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autovp.clip_tokenizer import BOS, EOS, SUFFIX, train_merges, vocabulary  # noqa: E402

VISION = dict(hidden_size=48, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
              image_size=64, patch_size=16, num_channels=3, hidden_act="quick_gelu", layer_norm_eps=1e-5,
              model_type="clip_vision_model")
TEXT = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
            max_position_embeddings=32, hidden_act="quick_gelu", layer_norm_eps=1e-5, model_type="clip_text_model")
PROJECTION = 24
MERGES = 160

# Words the fixture's vocabulary learns (the templates' words and a few class names); anything else
# still tokenises, byte by byte.
CORPUS = [
    "this is a photo of a cat.", "a photo of a dog.", "a bad photo of the bird.", "a photo of many cars.",
    "a sculpture of a horse.", "a low resolution photo of the ship.", "a rendering of a truck.",
    "graffiti of a frog.", "a tattoo of a deer.", "the embroidered airplane.", "a drawing of the cat.",
    "a close-up photo of a dog.", "a black and white photo of the bird.", "a painting of a car.",
    "itap of my horse.", "a photo of the large ship.", "a photo of the small truck.",
]


def write_safetensors(path: str, tensors: Dict[str, np.ndarray]) -> None:
    codes = {np.dtype("<f4"): "F32", np.dtype("<i8"): "I64"}
    header, offset, blobs = {}, 0, []
    for name, value in tensors.items():
        raw = np.ascontiguousarray(value).tobytes()
        header[name] = {"dtype": codes[value.dtype], "shape": list(value.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def weights(rng: np.random.Generator, vocab_size: int) -> Dict[str, np.ndarray]:
    out: Dict[str, np.ndarray] = {}

    def normal(name: str, shape, std: float) -> None:
        out[name] = (rng.standard_normal(shape) * std).astype("<f4")

    def tower(prefix: str, cfg: dict) -> None:
        w, m = cfg["hidden_size"], cfg["intermediate_size"]
        for i in range(cfg["num_hidden_layers"]):
            p = f"{prefix}.encoder.layers.{i}"
            for proj in ("k_proj", "v_proj", "q_proj", "out_proj"):
                normal(f"{p}.self_attn.{proj}.weight", (w, w), w ** -0.5)
                normal(f"{p}.self_attn.{proj}.bias", (w,), 0.02)
            # Layer norms away from (1, 0), so that a swapped weight and bias shows.
            for norm in ("layer_norm1", "layer_norm2"):
                out[f"{p}.{norm}.weight"] = (1 + rng.standard_normal(w) * 0.1).astype("<f4")
                normal(f"{p}.{norm}.bias", (w,), 0.05)
            normal(f"{p}.mlp.fc1.weight", (m, w), w ** -0.5)
            normal(f"{p}.mlp.fc1.bias", (m,), 0.02)
            normal(f"{p}.mlp.fc2.weight", (w, m), m ** -0.5)
            normal(f"{p}.mlp.fc2.bias", (w,), 0.02)

    def norm(name: str, width: int) -> None:
        out[f"{name}.weight"] = (1 + rng.standard_normal(width) * 0.1).astype("<f4")
        normal(f"{name}.bias", (width,), 0.05)

    t, v = TEXT, VISION
    normal("text_model.embeddings.token_embedding.weight", (vocab_size, t["hidden_size"]), 0.5)
    normal("text_model.embeddings.position_embedding.weight", (t["max_position_embeddings"], t["hidden_size"]), 0.1)
    out["text_model.embeddings.position_ids"] = np.arange(t["max_position_embeddings"], dtype="<i8").reshape(1, -1)
    tower("text_model", t)
    norm("text_model.final_layer_norm", t["hidden_size"])
    grid = v["image_size"] // v["patch_size"]
    normal("vision_model.embeddings.class_embedding", (v["hidden_size"],), v["hidden_size"] ** -0.5)
    normal("vision_model.embeddings.patch_embedding.weight", (v["hidden_size"], 3, v["patch_size"], v["patch_size"]),
           (3 * v["patch_size"] ** 2) ** -0.5)
    normal("vision_model.embeddings.position_embedding.weight", (grid * grid + 1, v["hidden_size"]), 0.1)
    out["vision_model.embeddings.position_ids"] = np.arange(grid * grid + 1, dtype="<i8").reshape(1, -1)
    norm("vision_model.pre_layrnorm", v["hidden_size"])
    tower("vision_model", v)
    norm("vision_model.post_layernorm", v["hidden_size"])
    normal("visual_projection.weight", (PROJECTION, v["hidden_size"]), v["hidden_size"] ** -0.5)
    normal("text_projection.weight", (PROJECTION, t["hidden_size"]), t["hidden_size"] ** -0.5)
    out["logit_scale"] = np.array(math.log(100.0), dtype="<f4")  # as trained CLIP: exp → 100
    return dict(sorted(out.items()))


def tokenizer_json(vocab: Dict[str, int], merges) -> dict:
    """The pipeline of openai/clip-vit-base-patch32's tokenizer.json, with this vocabulary."""
    special = lambda content: {"id": vocab[content], "content": content, "single_word": False, "lstrip": False,  # noqa: E731
                               "rstrip": False, "normalized": False, "special": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special(BOS), special(EOS)],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"},
            {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
            {"type": "Lowercase"}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"},
             "behavior": "Removed", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "RobertaProcessing", "sep": [EOS, vocab[EOS]], "cls": [BOS, vocab[BOS]],
                           "trim_offsets": False, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": EOS, "continuing_subword_prefix": "",
                  "end_of_word_suffix": SUFFIX, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    merges = train_merges(CORPUS, MERGES)
    vocab = vocabulary(merges)
    text = dict(TEXT, vocab_size=len(vocab), bos_token_id=vocab[BOS], eos_token_id=vocab[EOS], pad_token_id=vocab[EOS])
    config = {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": PROJECTION,
              "logit_scale_init_value": 2.6592, "initializer_factor": 1.0, "torch_dtype": "float32",
              "text_config": text, "vision_config": VISION}
    rng = np.random.default_rng(args.seed)
    write_safetensors(os.path.join(args.out, "model.safetensors"), weights(rng, len(vocab)))
    with open(os.path.join(args.out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(args.out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(vocab, merges), f, ensure_ascii=False)
    with open(os.path.join(args.out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump({"bos_token": BOS, "eos_token": EOS, "pad_token": EOS, "unk_token": EOS, "do_lower_case": True,
                   "model_max_length": TEXT["max_position_embeddings"], "tokenizer_class": "CLIPTokenizer"}, f, indent=2)


if __name__ == "__main__":
    main()
