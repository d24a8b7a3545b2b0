"""Decode every weight of a tfjs model.json with autovp.tfjs_weights and write them out.

    /usr/bin/python3 python/scripts/parity_weights.py MODEL_DIR OUT_DIR

OUT_DIR gets one tensor per weight (float32 / int32, see autovp.exchange), for comparison with
tfjs's own tf.io.decodeWeights. Needs numpy only.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autovp.exchange import write_folder  # noqa: E402
from autovp.tfjs_weights import read_weights  # noqa: E402


def main(model_dir: str, out_dir: str) -> None:
    weights = read_weights(model_dir)
    write_folder(out_dir, {k: (v.astype(np.int32) if v.dtype == bool else v) for k, v in weights.items()},
                 {"names": list(weights)})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
