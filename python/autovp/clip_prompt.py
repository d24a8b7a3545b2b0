"""A CLIP prompt file in PyTorch: the source model rebuilt from the checkpoint folder and the text
head the manifest records (``model.clip``: checkpoint, config sizes, templates, head kind, class
names), with autovp.clip_reference and autovp.clip_tokenizer (no ``transformers``)::

    from autovp.prompt_file import load_prompt_file
    from autovp.clip_prompt import clip_source_model
    pf = load_prompt_file("prompt.safetensors")
    source = clip_source_model(pf, "path/to/clip-checkpoint")   # config.json, model.safetensors, tokenizer.json
    probs = pf.predict(source, pixels)

Heads, as the engine builds them (src/engine/models/clip/clipSource.ts):
- "mean": one source class per class name, the mean of its unit template embeddings made unit again;
- "perTemplate": one per template and class, template-major (index t·C + c).
Source logits = exp(logit_scale) · cos(image embedding, class embedding).
"""

from __future__ import annotations

import json
import os
from typing import Callable, Dict, List, Sequence

import torch

from .clip_reference import ClipConfig, ClipReference
from .clip_tokenizer import EOS, ClipTokenizerReference
from .prompt_file import PromptFile, PromptFileError

HEAD_KINDS = ("mean", "perTemplate")


def config_summary(c: ClipConfig) -> Dict[str, int]:
    """The sizes a prompt file records under model.clip.config."""
    return {
        "imageSize": c.vision.image_size, "patchSize": c.vision.patch_size,
        "visionWidth": c.vision.hidden_size, "visionLayers": c.vision.num_hidden_layers,
        "textWidth": c.text.hidden_size, "textLayers": c.text.num_hidden_layers,
        "vocabSize": c.text.vocab_size, "maxPositions": c.text.max_position_embeddings,
        "projectionDim": c.projection_dim,
    }


def load_tokenizer(folder: str) -> ClipTokenizerReference:
    with open(os.path.join(folder, "tokenizer.json"), "r", encoding="utf-8") as f:
        model = json.load(f)["model"]
    merges = [m.split(" ") if isinstance(m, str) else list(m) for m in model["merges"]]
    return ClipTokenizerReference(model["vocab"], merges)


def fill_template(template: str, class_name: str) -> str:
    """The engine's fillTemplate: the first "{}" becomes the class name, underscores as spaces."""
    return template.replace("{}", class_name.replace("_", " "), 1)


def class_embeddings(clip: ClipReference, tokenizer: ClipTokenizerReference, class_names: Sequence[str],
                     templates: Sequence[str], head: str) -> torch.Tensor:
    """Unit text embeddings [S, D] of the classes under the templates (see the module comment)."""
    if head not in HEAD_KINDS:
        raise PromptFileError(f"unknown CLIP head {head!r}; this reader knows {', '.join(HEAD_KINDS)}")
    eos = tokenizer.vocab[EOS]
    max_len = clip.config.text.max_position_embeddings
    rows: List[torch.Tensor] = []
    with torch.no_grad():
        for t in templates:  # template-major, as the engine
            ids = [tokenizer.encode(fill_template(t, c), max_len) for c in class_names]
            n = max(len(r) for r in ids)
            # Padding after the end-of-text token never reaches it (causal attention).
            e = clip.text_embeds(torch.tensor([r + [eos] * (n - len(r)) for r in ids]), eos)
            rows.append(e / e.norm(dim=-1, keepdim=True))
        per_template = torch.stack(rows)  # [T, C, D]
        if head == "perTemplate":
            return per_template.reshape(-1, per_template.shape[-1])
        mean = per_template.mean(dim=0)
        return mean / mean.norm(dim=-1, keepdim=True)


def clip_source_model(pf: PromptFile, folder: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """The source model of a CLIP prompt: model input NCHW (CLIP-normalised) → source logits [N, S].
    Refuses a checkpoint whose sizes differ from the ones the prompt was trained on."""
    m = pf.manifest["model"]
    if m.get("format") != "clip":
        raise PromptFileError(f"the prompt was trained for {m['name']} ({m['format']}), not for a CLIP checkpoint")
    head = m.get("clip")
    if not head:
        raise PromptFileError("the prompt file records no CLIP text head (model.clip): it was written before "
                              "prompt files recorded templates and class names; train it again")
    clip = ClipReference(folder)
    have = config_summary(clip.config)
    differs = [f"{k} {v} (this checkpoint: {have.get(k)})" for k, v in head["config"].items() if have.get(k) != v]
    if differs:
        raise PromptFileError(f"{folder} is not the checkpoint the prompt was trained on: {', '.join(differs)}")
    classes = class_embeddings(clip, load_tokenizer(folder), head["classNames"], head["templates"], head["head"])
    if classes.shape[0] != int(m["numSource"]):
        raise PromptFileError(f"the text head makes {classes.shape[0]} source classes but the prompt maps {m['numSource']}")

    def source(x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return clip.logits(clip.image_embeds(x.to(torch.float32)), classes)

    return source
