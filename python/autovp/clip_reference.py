"""CLIP (the Hugging Face `CLIPModel` layout) in plain PyTorch, for parity with the engine's
src/engine/models/clip. Debian's torch has no `transformers`; this is written from the
architecture (Radford et al. 2021) and the hub's tensor names, not from that package.

    image [B, 3, S, S], CLIP-normalised
      → patches (conv S/p × S/p, stride p, no bias) → [CLS] + patches + position embedding
      → pre_layrnorm → encoder layers → post_layernorm(CLS) → visual_projection (no bias)
    token ids [N, L]
      → token + position embedding → encoder layers (causal mask) → final_layer_norm
      → the hidden state at the first end-of-text token → text_projection (no bias)
    logits = exp(logit_scale) · cos(image embedding, text embedding)

Encoder layer (pre-norm): h += out_proj(attention(layer_norm1(h))); h += fc2(act(fc1(layer_norm2(h)))).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from typing import Dict, List, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .prompt_file import read_safetensors

Tensor = torch.Tensor

# The normalisation every OpenAI CLIP checkpoint was trained with (its preprocessor_config.json).
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


@dataclass
class TowerConfig:
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    hidden_act: str
    layer_norm_eps: float


@dataclass
class VisionConfig(TowerConfig):
    image_size: int
    patch_size: int


@dataclass
class TextConfig(TowerConfig):
    vocab_size: int
    max_position_embeddings: int
    eos_token_id: int


@dataclass
class ClipConfig:
    vision: VisionConfig
    text: TextConfig
    projection_dim: int


def _tower(raw: dict) -> dict:
    return dict(hidden_size=int(raw["hidden_size"]), intermediate_size=int(raw["intermediate_size"]),
                num_hidden_layers=int(raw["num_hidden_layers"]), num_attention_heads=int(raw["num_attention_heads"]),
                hidden_act=str(raw.get("hidden_act", "quick_gelu")), layer_norm_eps=float(raw.get("layer_norm_eps", 1e-5)))


def parse_config(raw: dict) -> ClipConfig:
    v, t = raw["vision_config"], raw["text_config"]
    return ClipConfig(
        vision=VisionConfig(**_tower(v), image_size=int(v["image_size"]), patch_size=int(v["patch_size"])),
        text=TextConfig(**_tower(t), vocab_size=int(t["vocab_size"]),
                        max_position_embeddings=int(t["max_position_embeddings"]),
                        eos_token_id=int(t.get("eos_token_id", 2))),
        projection_dim=int(raw["projection_dim"]))


class ClipReference:
    """A CLIP checkpoint folder (config.json + model.safetensors) as frozen float tensors."""

    def __init__(self, folder: str, dtype: torch.dtype = torch.float32):
        with open(os.path.join(folder, "config.json"), "r", encoding="utf-8") as f:
            self.config = parse_config(json.load(f))
        tensors, _, _ = read_safetensors(os.path.join(folder, "model.safetensors"))
        self.w: Dict[str, Tensor] = {
            name: torch.from_numpy(value.astype(np.float64 if dtype == torch.float64 else np.float32))
            for name, value in tensors.items() if value.dtype.kind == "f"}
        self.dtype = dtype

    # -- building blocks ------------------------------------------------------------------

    def linear(self, x: Tensor, prefix: str, bias: bool = True) -> Tensor:
        return F.linear(x, self.w[f"{prefix}.weight"], self.w[f"{prefix}.bias"] if bias else None)

    def layer_norm(self, x: Tensor, prefix: str, eps: float) -> Tensor:
        return F.layer_norm(x, (x.shape[-1],), self.w[f"{prefix}.weight"], self.w[f"{prefix}.bias"], eps)

    @staticmethod
    def activation(x: Tensor, kind: str) -> Tensor:
        if kind == "quick_gelu":
            return x * torch.sigmoid(1.702 * x)
        if kind == "gelu":
            return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
        raise ValueError(f"unsupported hidden_act {kind!r}")

    def attention(self, x: Tensor, prefix: str, heads: int, causal: bool) -> Tensor:
        b, n, width = x.shape
        d = width // heads

        def split(t: Tensor) -> Tensor:
            return t.reshape(b, n, heads, d).transpose(1, 2)

        q = split(self.linear(x, f"{prefix}.q_proj"))
        k = split(self.linear(x, f"{prefix}.k_proj"))
        v = split(self.linear(x, f"{prefix}.v_proj"))
        scores = (q @ k.transpose(-1, -2)) * (d ** -0.5)
        if causal:
            future = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)
            scores = scores.masked_fill(future, float("-inf"))
        out = torch.softmax(scores, dim=-1) @ v
        return self.linear(out.transpose(1, 2).reshape(b, n, width), f"{prefix}.out_proj")

    def encoder(self, h: Tensor, prefix: str, cfg: TowerConfig, causal: bool) -> Tensor:
        for i in range(cfg.num_hidden_layers):
            p = f"{prefix}.encoder.layers.{i}"
            h = h + self.attention(self.layer_norm(h, f"{p}.layer_norm1", cfg.layer_norm_eps), f"{p}.self_attn",
                                   cfg.num_attention_heads, causal)
            m = self.linear(self.layer_norm(h, f"{p}.layer_norm2", cfg.layer_norm_eps), f"{p}.mlp.fc1")
            h = h + self.linear(self.activation(m, cfg.hidden_act), f"{p}.mlp.fc2")
        return h

    # -- the towers -----------------------------------------------------------------------

    def image_pooled(self, pixels: Tensor) -> Tensor:
        """[B, 3, S, S] normalised → post_layernorm(CLS) [B, hidden] (the linear-probing features)."""
        cfg = self.config.vision
        p = "vision_model"
        patches = F.conv2d(pixels, self.w[f"{p}.embeddings.patch_embedding.weight"], stride=cfg.patch_size)
        patches = patches.flatten(2).transpose(1, 2)  # [B, grid², hidden], row-major over the grid
        cls = self.w[f"{p}.embeddings.class_embedding"].reshape(1, 1, -1).expand(pixels.shape[0], 1, -1)
        h = torch.cat([cls, patches], dim=1) + self.w[f"{p}.embeddings.position_embedding.weight"]
        h = self.layer_norm(h, f"{p}.pre_layrnorm", cfg.layer_norm_eps)
        h = self.encoder(h, p, cfg, causal=False)
        return self.layer_norm(h[:, 0, :], f"{p}.post_layernorm", cfg.layer_norm_eps)

    def image_embeds(self, pixels: Tensor) -> Tensor:
        return F.linear(self.image_pooled(pixels), self.w["visual_projection.weight"])

    def text_embeds(self, ids: Tensor, eos_id: int) -> Tensor:
        """[N, L] token ids (each row holding eos_id at least once) → [N, projection_dim]."""
        cfg = self.config.text
        p = "text_model"
        n = ids.shape[1]
        h = self.w[f"{p}.embeddings.token_embedding.weight"][ids.long()]
        h = h + self.w[f"{p}.embeddings.position_embedding.weight"][:n]
        h = self.encoder(h, p, cfg, causal=True)
        h = self.layer_norm(h, f"{p}.final_layer_norm", cfg.layer_norm_eps)
        # The first end-of-text token: HF's argmax of the ids for OpenAI's vocabulary (end-of-text is
        # the largest id), its first eos_token_id otherwise; both are this position.
        at = (ids == eos_id).int().argmax(dim=-1)
        pooled = h[torch.arange(ids.shape[0]), at]
        return F.linear(pooled, self.w["text_projection.weight"])

    @property
    def logit_scale(self) -> Tensor:
        return self.w["logit_scale"].reshape(())

    def logits(self, image_embeds: Tensor, class_embeds: Tensor) -> Tensor:
        """exp(logit_scale) · cos: image embeddings [B, D] against unit class embeddings [K, D]."""
        img = image_embeds / image_embeds.norm(dim=-1, keepdim=True)
        return torch.exp(self.logit_scale) * img @ class_embeds.T

    def class_embeddings(self, ids_per_class: Sequence[Tensor], eos_id: int) -> Tensor:
        """Zero-shot head: per class, the mean of its unit template embeddings, made unit again."""
        rows: List[Tensor] = []
        for ids in ids_per_class:
            e = self.text_embeds(ids, eos_id)
            e = e / e.norm(dim=-1, keepdim=True)
            m = e.mean(dim=0)
            rows.append(m / m.norm())
        return torch.stack(rows)

    def name_similarity(self, target_ids: Tensor, source_ids: Tensor, eos_id: int) -> Tensor:
        """SemanticMap's similarity (IBM/AutoVP programs.py, Semantic_mapping): the cosine of the text
        embeddings of the bare class names, [targets, sources]."""
        targets = F.normalize(self.text_embeds(target_ids, eos_id), dim=-1)
        sources = F.normalize(self.text_embeds(source_ids, eos_id), dim=-1)
        return targets @ sources.T
