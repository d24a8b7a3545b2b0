"""Parity driver for FreqMap / IterMap (src/engine/parity/assignments.test.ts).

    /usr/bin/python3 python/scripts/parity_assign.py EXCHANGE_DIR

EXCHANGE_DIR/in: meta {cases: [{name, num_source, num_target, k, source: "predictions"|"counts"}],
schedules: [{kind, interval, epochs}]}; tensors "<name>/preds" and "<name>/labels" (int32) or
"<name>/counts" [S, T]. Writes EXCHANGE_DIR/out: "<name>/counts" (the reference's count matrix)
and "<name>/assignment" [T, k], and meta.schedules with the epochs at which the reference
recomputes the mapping. Needs numpy only.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autovp.exchange import read_folder, write_folder  # noqa: E402
from autovp.freqmap import count_matrix, freq_assignment, frequency_update_epochs  # noqa: E402


def main(folder: str) -> None:
    tensors, meta = read_folder(os.path.join(folder, "in"))
    out = {}
    for case in meta["cases"]:
        name = case["name"]
        if case["source"] == "predictions":
            counts = count_matrix(tensors[f"{name}/preds"], tensors[f"{name}/labels"], case["num_source"], case["num_target"])
        else:
            counts = tensors[f"{name}/counts"].astype(np.float64)
        out[f"{name}/counts"] = counts.astype(np.float32)
        out[f"{name}/assignment"] = np.array(freq_assignment(counts, case["k"]), dtype=np.int32)
    schedules = [dict(s, epochs_updated=frequency_update_epochs(s["kind"], s["interval"], s["epochs"]))
                 for s in meta.get("schedules", [])]
    write_folder(os.path.join(folder, "out"), out, {"schedules": schedules})


if __name__ == "__main__":
    main(sys.argv[1])
