"""LoR-VP's low-rank prompt and SMM's sample-specific masks in PyTorch, written from
../shared/METHODS.md (§2, §3, §4) independently of the TypeScript engine.

Both resize the base image to the model's whole input (bilinear, half-pixel centres, no
antialias, as the engine resizes), then:

    LoR-VP:  x' = normalise(r(x) + B·A)                      B [3, L, r] (init 0), A [3, r, L]
    SMM:     x' = normalise(r(x)) + δ ⊙ up8(f_mask(normalise(r(x))))      δ [3, L, L] (init 0)

f_mask is SMM's AttributeNet for patch size 8 with 5 layers (the ResNet variant): conv-BN-ReLU-
maxpool 3→8→16→32, conv-BN-ReLU 32→64, conv 64→3; 3×3 convs with padding 1 and bias, BatchNorm2d
with PyTorch's defaults, its raw output with no sigmoid. up8 copies each mask cell over its 8×8
block, written as the official code writes it (view/expand/transpose/reshape).

Conventions shared with the engine so that tensors can be compared element by element: δ is
stored HWC [L, L, 3]; the factors channel first, B [3, L, r] and A [3, r, L]; the mask
generator's tensors under the engine's export names, kernels as [3, 3, in, out] (tfjs), turned
into PyTorch's [out, in, 3, 3] here.
"""

from __future__ import annotations

from typing import Dict, Mapping, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .prompt_file import SMM_CHANNELS as CHANNELS, SMM_NORMALISED_LAYERS as NORMALISED_LAYERS
from .vp_reference import fully_mapping, to_model_range

Tensor = torch.Tensor

PATCH_SIZE = 8
POOLED_LAYERS = 3  # log2 of the patch size


class AttributeNet(torch.nn.Module):
    """SMM's mask generator for patch size 8 (5 conv layers)."""

    def __init__(self, dtype: torch.dtype = torch.float32):
        super().__init__()
        self.convs = torch.nn.ModuleList(
            torch.nn.Conv2d(CHANNELS[i], CHANNELS[i + 1], 3, stride=1, padding=1, bias=True, dtype=dtype)
            for i in range(len(CHANNELS) - 1))
        self.bns = torch.nn.ModuleList(
            torch.nn.BatchNorm2d(CHANNELS[i + 1], eps=1e-5, momentum=0.1, dtype=dtype) for i in range(NORMALISED_LAYERS))

    def forward(self, x: Tensor) -> Tensor:
        h = x
        for i, conv in enumerate(self.convs):
            h = conv(h)
            if i < NORMALISED_LAYERS:
                h = F.relu(self.bns[i](h))
            if i < POOLED_LAYERS:
                h = F.max_pool2d(h, 2, 2)
        return h

    def named_engine_tensors(self) -> Dict[str, Tensor]:
        """The engine's export names → this module's tensors (kernels as PyTorch holds them)."""
        out = {}
        for i, conv in enumerate(self.convs):
            n = i + 1
            out[f"mask_conv{n}_kernel"] = conv.weight
            out[f"mask_conv{n}_bias"] = conv.bias
            if i < NORMALISED_LAYERS:
                bn = self.bns[i]
                out[f"mask_bn{n}_gamma"] = bn.weight
                out[f"mask_bn{n}_beta"] = bn.bias
                out[f"mask_bn{n}_mean"] = bn.running_mean
                out[f"mask_bn{n}_variance"] = bn.running_var
        return out

    def load_engine_tensors(self, tensors: Mapping[str, np.ndarray]) -> None:
        with torch.no_grad():
            for name, t in self.named_engine_tensors().items():
                value = torch.from_numpy(np.asarray(tensors[name])).to(t.dtype)
                if name.endswith("_kernel"):
                    value = value.permute(3, 2, 0, 1)  # [kh, kw, in, out] → [out, in, kh, kw]
                t.copy_(value)

    def engine_tensor(self, name: str) -> Tensor:
        """One tensor in the engine's layout (kernels back to [3, 3, in, out])."""
        t = self.named_engine_tensors()[name]
        return t.permute(2, 3, 1, 0) if name.endswith("_kernel") else t


def patchwise_upsample(m: Tensor, canvas: int) -> Tensor:
    """[B, 3, P, P] → [B, 3, L, L], each cell copied over its 8×8 block (the official code's way)."""
    p = canvas // PATCH_SIZE
    c = m.shape[1]
    expanded = m.reshape(-1, c, p * p, 1).expand(-1, c, p * p, PATCH_SIZE * PATCH_SIZE)
    return expanded.reshape(-1, c, p, p, PATCH_SIZE, PATCH_SIZE).transpose(3, 4).reshape(-1, c, canvas, canvas)


def resize_to_canvas(x: Tensor, canvas: int) -> Tensor:
    if x.shape[-1] == canvas:
        return x
    return F.interpolate(x, size=(canvas, canvas), mode="bilinear", align_corners=False, antialias=False)


class WholeInputPromptReference(torch.nn.Module):
    """A low-rank (kind 'lowrank') or SMM (kind 'smm') prompt and FullyMap around a frozen network.

    network: a callable NCHW (model range) → source logits [B, S].
    """

    def __init__(self, network, kind: str, canvas: int, rank: int = 4, value_range=(0.0, 1.0),
                 mean: Optional[Sequence[float]] = None, std: Optional[Sequence[float]] = None,
                 num_source: int = 10, num_target: int = 10, dtype: torch.dtype = torch.float32):
        super().__init__()
        if kind not in ("lowrank", "smm"):
            raise ValueError(f"unknown whole-input prompt {kind!r}")
        self.network = network
        self.kind = kind
        self.canvas = canvas
        self.value_range = value_range
        self.mean = mean
        self.std = std
        if kind == "lowrank":
            self.lowrank_b = torch.nn.Parameter(torch.zeros((3, canvas, rank), dtype=dtype))
            self.lowrank_a = torch.nn.Parameter(torch.randn((3, rank, canvas), dtype=dtype) * 0.01)
        else:
            if canvas % PATCH_SIZE:
                raise ValueError(f"SMM needs a canvas that is a multiple of {PATCH_SIZE}")
            self.delta = torch.nn.Parameter(torch.zeros((canvas, canvas, 3), dtype=dtype))
            self.mask_net = AttributeNet(dtype)
        self.weight = torch.nn.Parameter(torch.zeros((num_source, num_target), dtype=dtype))
        self.bias = torch.nn.Parameter(torch.zeros((num_target,), dtype=dtype))

    def trainable(self) -> Dict[str, torch.nn.Parameter]:
        """Trainable tensors under the engine's names (mask-net kernels in PyTorch's layout)."""
        if self.kind == "lowrank":
            out = {"lowrank_b": self.lowrank_b, "lowrank_a": self.lowrank_a}
        else:
            out = {"delta": self.delta}
            out.update({n: t for n, t in self.mask_net.named_engine_tensors().items()
                        if not (n.endswith("_mean") or n.endswith("_variance"))})
        out["weight"] = self.weight
        out["bias"] = self.bias
        return out

    def pattern(self) -> Tensor:
        """LoR-VP's [3, L, L] pattern: one rank-r product per channel."""
        return torch.bmm(self.lowrank_b, self.lowrank_a)

    def masks(self, x_model: Tensor) -> Tensor:
        return patchwise_upsample(self.mask_net(x_model), self.canvas)

    def model_input(self, x: Tensor) -> Tensor:
        placed = resize_to_canvas(x.to(self.weight.dtype), self.canvas)
        if self.kind == "lowrank":
            return to_model_range(placed + self.pattern().unsqueeze(0), self.value_range, self.mean, self.std)
        xm = to_model_range(placed, self.value_range, self.mean, self.std)
        return xm + self.delta.permute(2, 0, 1).unsqueeze(0) * self.masks(xm)

    def forward(self, x: Tensor) -> Tensor:
        return fully_mapping(self.network(self.model_input(x)), self.weight, self.bias)
