"""Tensor files shared with the Node tests: a folder with ``manifest.json`` and one raw file per
tensor.

manifest.json: ``{"tensors": {name: {"file": "<file>", "dtype": "float32"|"float64"|"int32",
"shape": [...]}}, "meta": {...}}``. Data are little-endian, C order, no header. Simple and exact:
float32 values cross the boundary bit for bit.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, Optional, Tuple

import numpy as np

_DTYPES = {"float32": "<f4", "float64": "<f8", "int32": "<i4", "uint8": "u1"}


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".bin"


def read_folder(folder: str) -> Tuple[Dict[str, np.ndarray], Dict[str, Any]]:
    with open(os.path.join(folder, "manifest.json"), "r", encoding="utf-8") as f:
        manifest = json.load(f)
    tensors = {}
    for name, spec in manifest.get("tensors", {}).items():
        with open(os.path.join(folder, spec["file"]), "rb") as f:
            raw = f.read()
        arr = np.frombuffer(raw, dtype=_DTYPES[spec["dtype"]])
        tensors[name] = arr.reshape([int(d) for d in spec["shape"]]).copy()
    return tensors, manifest.get("meta", {})


def write_folder(folder: str, tensors: Dict[str, np.ndarray], meta: Optional[Dict[str, Any]] = None) -> None:
    os.makedirs(folder, exist_ok=True)
    specs = {}
    for name, value in tensors.items():
        arr = np.asarray(value)
        if arr.dtype == np.float64:
            dtype = "float64"
        elif np.issubdtype(arr.dtype, np.floating):
            dtype = "float32"
        elif np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool:
            dtype = "int32"
        else:
            raise TypeError(f"{name}: cannot write dtype {arr.dtype}")
        arr = np.ascontiguousarray(arr, dtype=_DTYPES[dtype])
        file = _file_name(name)
        with open(os.path.join(folder, file), "wb") as f:
            f.write(arr.tobytes())
        specs[name] = {"file": file, "dtype": dtype, "shape": list(arr.shape)}
    with open(os.path.join(folder, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump({"tensors": specs, "meta": meta or {}}, f)
