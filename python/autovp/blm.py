"""BLM and BLM+ label mapping (Cai et al., NeurIPS 2024, "Bayesian-guided Label Mapping for Visual
Reprogramming"), written from ../shared/METHODS.md §1 (the official tmlr-group/BayesianLM
``mapping.py`` as read there), independently of the engine's TypeScript.

From the prompted model's source logits over the training images (one pass, no gradient)::

    BLM:   d[s, t] = #{i : argmax_s' logits[i, s'] = s and y_i = t}
    BLM+:  q_i = softmax(logits_i) with all but its top-k entries zeroed, k = max(1, int(0.15·T));
           d[s, t] = Σ_{i : y_i = t} q_i[s]
    P[s, t] = d[s, t] / (Σ_t' d[s, t'] + λ),  λ = 1
    ω[s, t] = P[s, t] / Σ_s' P[s', t]
    target logits = source logits @ ω        (raw logits; ω is a constant of the loss)

ω is recomputed at the start of every epoch with the current prompt.
"""

from __future__ import annotations

import torch
from torch import Tensor

LAPLACE = 1.0
KINDS = ("blm", "blmplus")


def blmp_top_k(num_target: int) -> int:
    """The official ``int(len(class_names) * 0.15)``, at least 1 (it is 0 below 7 classes)."""
    return max(1, int(num_target * 0.15))


def blm_counts(source_logits: Tensor, labels: Tensor, num_target: int) -> Tensor:
    """[S, T] float64: how often each source label is the top-1 for images of each class."""
    pred = source_logits.argmax(dim=1)
    counts = torch.zeros(source_logits.shape[1], num_target, dtype=torch.float64)
    counts.index_put_((pred, labels.long()), torch.ones(len(pred), dtype=torch.float64), accumulate=True)
    return counts


def blmp_counts(source_logits: Tensor, labels: Tensor, num_target: int) -> Tensor:
    """[S, T] float64: each class's sum of its images' top-k softmax probabilities."""
    probs = torch.softmax(source_logits, dim=1)
    k = min(blmp_top_k(num_target), probs.shape[1])
    values, indices = probs.topk(k, dim=1)
    kept = torch.zeros_like(probs).scatter_(1, indices, values)
    per_class = torch.zeros(num_target, probs.shape[1], dtype=torch.float64)
    per_class.index_add_(0, labels.long(), kept.to(torch.float64))
    return per_class.t().contiguous()


def reweight(counts: Tensor) -> Tensor:
    """ω from counts [S, T]: rows ÷ (row sum + λ), then columns ÷ column sum."""
    p = counts / (counts.sum(dim=1, keepdim=True) + LAPLACE)
    return p / p.sum(dim=0, keepdim=True)


def counts_for(kind: str, source_logits: Tensor, labels: Tensor, num_target: int) -> Tensor:
    if kind == "blm":
        return blm_counts(source_logits, labels, num_target)
    if kind == "blmplus":
        return blmp_counts(source_logits, labels, num_target)
    raise ValueError(f"unknown Bayesian mapping {kind!r} (expected one of {', '.join(KINDS)})")


def omega_from_logits(kind: str, source_logits: Tensor, labels: Tensor, num_target: int) -> Tensor:
    """ω [S, T] (float64) from the source logits of the whole training set."""
    with torch.no_grad():
        return reweight(counts_for(kind, source_logits.detach(), labels, num_target))


def map_logits(source_logits: Tensor, omega: Tensor) -> Tensor:
    """Target logits [B, T] = source logits [B, S] @ ω [S, T] (no gradient into ω)."""
    return source_logits @ omega.detach().to(source_logits.dtype)
