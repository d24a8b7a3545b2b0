"""FreqMap / IterMap of the reference AutoVP (numpy only).

Follows IBM/AutoVP ``Output_Mapping.Frequency_mapping_define``: a count matrix C[source, target]
of top-1 predictions, flattened as source·T + target; repeatedly take the argmax of the flat
matrix (numpy's first occurrence on ties, i.e. the smallest source·T + target), set it to −1,
and assign that source to that target if the target still needs sources and the source is
unused. Every entry is visited, zero counts included, so targets short of labels take unused
sources in flat order; a last pass (unreachable when T·k ≤ S) fills targets from unused sources
in index order. IterMap is the same assignment recomputed at the start of every `interval`-th
epoch.
"""

from __future__ import annotations

from typing import List, Sequence

import numpy as np


def count_matrix(preds: Sequence[int], labels: Sequence[int], num_source: int, num_target: int) -> np.ndarray:
    """C[source, target]: how often images of `target` have `source` as their top-1."""
    counts = np.zeros((num_source, num_target), dtype=np.float64)
    for p, t in zip(np.asarray(preds).tolist(), np.asarray(labels).tolist()):
        counts[int(p), int(t)] += 1
    return counts


def freq_assignment(counts: np.ndarray, k: int) -> List[List[int]]:
    """The reference's greedy assignment from a count matrix [S, T]."""
    num_source, num_target = counts.shape
    flat = np.array(counts, dtype=np.float64).reshape(-1).copy()
    mapping: List[List[int]] = [[] for _ in range(num_target)]
    used = [False] * num_source

    def done() -> bool:
        return all(len(m) == k for m in mapping)

    visited = 0
    while not done() and visited < flat.size:
        loc = int(flat.argmax())  # numpy: first occurrence of the maximum
        flat[loc] = -1
        target, source = loc % num_target, loc // num_target
        if len(mapping[target]) < k and not used[source]:
            mapping[target].append(source)
            used[source] = True
        visited += 1
    if not done():  # fallback of the reference; unreachable when T·k ≤ S
        s = 0
        for t in range(num_target):
            while len(mapping[t]) < k:
                while s < num_source and used[s]:
                    s += 1
                if s >= num_source:
                    raise ValueError("not enough source labels for a one-to-one mapping")
                mapping[t].append(s)
                used[s] = True
                s += 1
    return mapping


def freq_assignment_from_predictions(preds, labels, num_source: int, num_target: int, k: int) -> List[List[int]]:
    return freq_assignment(count_matrix(preds, labels, num_source, num_target), k)


def frequency_update_epochs(kind: str, interval: int, epochs: int) -> List[int]:
    """Epochs at whose start the reference (re)computes the frequency mapping: FreqMap once
    before training; IterMap also at every epoch ≠ 0 with epoch % interval == 0."""
    if kind == "freq":
        return [0]
    if kind == "iter":
        return [e for e in range(epochs) if e == 0 or e % max(1, interval) == 0]
    return []
