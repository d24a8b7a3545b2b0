"""The AutoVP pipeline in PyTorch, written from the method description (../shared/AUTOVP.md,
docs/method.md), independently of the TypeScript engine.

    base image b×b → input scaling → C×C canvas → + sigmoid(δ)·mask → value range / normalise
      → frozen network → source logits → label mapping → target logits → cross-entropy

Conventions shared with the engine so that tensors can be compared element by element:
- images are NCHW here (torch); the prompt δ is stored HWC, [C, C, 3], like the engine's;
- FullyMap's weight is [S, T] (target = logits @ W + b), like the engine's;
- the learnt scale is a float32 scalar, and the mask side is min(floor(b·s), C) computed in
  float32, as both the engine and the reference AutoVP (a float32 nn.Parameter) do.

Geometry (top/left offset of an n×n image on the canvas = floor((C − n)/2)):
- fixed scale: resize b×b → n = round(b·s) (capped at C) with bilinear interpolation,
  half-pixel centres (align_corners=False), no antialiasing; place at the offset; zero padding.
- trainable resize: place the b×b image at its offset, then scale the canvas about its centre
  by s: output pixel i samples u = c + (i − c)/s, c = (C − 1)/2, bilinear, zero padding
  (kornia.geometry.transform.scale, as the reference uses; affine_grid/grid_sample with
  align_corners=True here). The mask's image side is n = min(floor(b·s), C).
  Note: IBM/AutoVP's Trainable_Resize pads with ceil((C − b)/2) on the top/left while its mask
  uses floor((C − n)/2); this project uses floor for both (they differ only when C − b is odd).

FreqMap / IterMap: see autovp.freqmap (re-exported here).
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from . import blm
from .freqmap import (  # noqa: F401  (re-exported: the FreqMap/IterMap half of the reference)
    count_matrix, freq_assignment, freq_assignment_from_predictions, frequency_update_epochs)

Tensor = torch.Tensor

RESIZE_SCALE_RANGE = (0.1, 5.0)


# --------------------------------------------------------------------------------------------
# Input scaling and the padding prompt
# --------------------------------------------------------------------------------------------

def fixed_image_size(base: int, scale: float, canvas: int) -> int:
    """round(base · s) (halves up), at least 1, capped at the canvas."""
    return max(1, min(canvas, int(math.floor(base * scale + 0.5))))


def centred_offset(canvas: int, n: int) -> int:
    return (canvas - n) // 2


def place_fixed(x: Tensor, n: int, canvas: int) -> Tensor:
    """[B, 3, b, b] → [B, 3, C, C]: bilinear resize to n×n (no antialias), centred, zero frame."""
    b = x.shape[-1]
    if n != b:
        x = F.interpolate(x, size=(n, n), mode="bilinear", align_corners=False, antialias=False)
    top = centred_offset(canvas, n)
    return F.pad(x, (top, canvas - n - top, top, canvas - n - top))


def trainable_image_size(base: int, scale: Tensor, canvas: int) -> int:
    """min(floor(b · s), C) with s a float32 scalar, as the reference's int(b·scale)."""
    s32 = scale.detach().to(torch.float32)
    return int(min(torch.floor(s32 * base).item(), canvas))


def trainable_resize(x: Tensor, scale: Tensor, canvas: int) -> Tensor:
    """[B, 3, b, b] → [B, 3, C, C]: centre on the canvas, then scale about the centre by s."""
    b = x.shape[-1]
    top = centred_offset(canvas, b)
    padded = F.pad(x, (top, canvas - b - top, top, canvas - b - top))
    inv = 1.0 / scale.to(x.dtype)
    zero = torch.zeros((), dtype=x.dtype)
    theta = torch.stack([torch.stack([inv, zero, zero]), torch.stack([zero, inv, zero])]).unsqueeze(0)
    theta = theta.expand(x.shape[0], 2, 3)
    grid = F.affine_grid(theta, [x.shape[0], x.shape[1], canvas, canvas], align_corners=True)
    return F.grid_sample(padded, grid, mode="bilinear", padding_mode="zeros", align_corners=True)


def pad_mask(canvas: int, n: int, dtype: torch.dtype = torch.float32) -> Tensor:
    """[C, C]: 1 on the frame, 0 over the centred n×n image."""
    mask = torch.ones((canvas, canvas), dtype=dtype)
    top = centred_offset(canvas, n)
    mask[top:top + n, top:top + n] = 0
    return mask


def add_prompt(placed: Tensor, delta_hwc: Tensor, mask: Tensor, activation: str = "sigmoid") -> Tensor:
    """x' = placed + act(δ) · mask, δ given as [C, C, 3] (HWC), mask [C, C] (or [C, C, 1]);
    act = sigmoid (image classifiers) or identity (CLIP-like models)."""
    if mask.dim() == 3 and mask.shape[-1] == 1:
        mask = mask[..., 0]
    delta = delta_hwc.permute(2, 0, 1).unsqueeze(0)
    act = torch.sigmoid(delta) if activation == "sigmoid" else delta
    return placed + act * mask.to(placed.dtype)


def to_model_range(x: Tensor, value_range: Sequence[float] = (0.0, 1.0), mean: Optional[Sequence[float]] = None,
                   std: Optional[Sequence[float]] = None) -> Tensor:
    """[0, 1] → the model's value range, then per-channel (x − mean)/std when given."""
    lo, hi = float(value_range[0]), float(value_range[1])
    y = x if (lo == 0.0 and hi == 1.0) else x * (hi - lo) + lo
    if mean is not None and std is not None:
        m = torch.tensor(mean, dtype=x.dtype).reshape(1, -1, 1, 1)
        s = torch.tensor(std, dtype=x.dtype).reshape(1, -1, 1, 1)
        y = (y - m) / s
    return y


# --------------------------------------------------------------------------------------------
# Output label mappings and loss
# --------------------------------------------------------------------------------------------

def index_mapping(source_logits: Tensor, assignment: Sequence[Sequence[int]]) -> Tensor:
    """Target logit t = mean of logits[:, assignment[t]] (random/freq/iter/semantic maps)."""
    cols = [source_logits[:, list(map(int, sources))].mean(dim=1) for sources in assignment]
    return torch.stack(cols, dim=1)


def fully_mapping(source_logits: Tensor, weight_st: Tensor, bias: Tensor) -> Tensor:
    """FullyMap: a linear layer, weight [S, T] (x @ W + b)."""
    return source_logits @ weight_st + bias


def cross_entropy(logits: Tensor, labels: Tensor) -> Tensor:
    return F.cross_entropy(logits, labels.long(), reduction="mean")


# --------------------------------------------------------------------------------------------
# The whole model and its optimisers
# --------------------------------------------------------------------------------------------

class VisualPromptReference(torch.nn.Module):
    """Trainable prompt (HWC δ), optional trainable scale and FullyMap around a frozen network.

    network: a callable NCHW → source logits [B, S] (e.g. a lambda around TfjsLayersModel).
    """

    def __init__(self, network, canvas: int, base: int, input_scale: float, trainable_resize: bool,
                 value_range=(0.0, 1.0), mean=None, std=None, mapping: str = "fully",
                 num_source: int = 10, num_target: int = 10, activation: str = "sigmoid",
                 dtype: torch.dtype = torch.float32):
        super().__init__()
        self.network = network
        self.canvas = canvas
        self.base = base
        self.input_scale = input_scale
        self.value_range = value_range
        self.mean = mean
        self.std = std
        self.activation = activation
        self.mapping_kind = mapping
        self.delta = torch.nn.Parameter(torch.zeros((canvas, canvas, 3), dtype=dtype))
        self.scale = torch.nn.Parameter(torch.tensor(float(input_scale), dtype=torch.float32)) if trainable_resize else None
        self.fixed_size = fixed_image_size(base, input_scale, canvas)
        if mapping == "fully":
            self.weight = torch.nn.Parameter(torch.zeros((num_source, num_target), dtype=dtype))
            self.bias = torch.nn.Parameter(torch.zeros((num_target,), dtype=dtype))
        else:
            self.weight = None
            self.bias = None
        self.assignment: Optional[List[List[int]]] = None
        self.omega: Optional[Tensor] = None  # BLM / BLM+ (autovp.blm): ω [S, T], a constant

    def trainable(self) -> Dict[str, torch.nn.Parameter]:
        out = {"delta": self.delta}
        if self.scale is not None:
            out["scale"] = self.scale
        if self.weight is not None:
            out["weight"] = self.weight
            out["bias"] = self.bias
        return out

    def image_size(self) -> int:
        if self.scale is None:
            return self.fixed_size
        return trainable_image_size(self.base, self.scale, self.canvas)

    def placed(self, x: Tensor) -> Tensor:
        x = x.to(self.delta.dtype)
        if self.scale is None:
            return place_fixed(x, self.fixed_size, self.canvas)
        return trainable_resize(x, self.scale, self.canvas)

    def prompted(self, x: Tensor) -> Tensor:
        mask = pad_mask(self.canvas, self.image_size(), self.delta.dtype)
        return add_prompt(self.placed(x), self.delta, mask, self.activation)

    def model_input(self, x: Tensor) -> Tensor:
        return to_model_range(self.prompted(x), self.value_range, self.mean, self.std)

    def source_logits(self, x: Tensor) -> Tensor:
        return self.network(self.model_input(x))

    def map(self, source_logits: Tensor) -> Tensor:
        if self.mapping_kind == "fully":
            return fully_mapping(source_logits, self.weight, self.bias)
        if self.mapping_kind in blm.KINDS:
            if self.omega is None:
                raise RuntimeError("the BLM weights have not been counted")
            return blm.map_logits(source_logits, self.omega)
        if self.assignment is None:
            raise RuntimeError("the frequency mapping has not been computed")
        return index_mapping(source_logits, self.assignment)

    def forward(self, x: Tensor) -> Tensor:
        return self.map(self.source_logits(x))

    def clamp_scale(self) -> None:
        if self.scale is not None:
            with torch.no_grad():
                self.scale.clamp_(*RESIZE_SCALE_RANGE)


def make_optimizer(params, kind: str, lr: float, weight_decay: float = 0.0, momentum: float = 0.9):
    """torch.optim.Adam (betas 0.9/0.999, eps 1e-8, coupled L2) or SGD with momentum."""
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    raise ValueError(f"unknown optimiser {kind!r}")
