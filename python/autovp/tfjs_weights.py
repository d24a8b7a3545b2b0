"""Read a TensorFlow.js model.json and its weight shards with numpy.

Decoding follows tfjs-core 4.x ``tf.io.decodeWeights`` exactly:

- ``weightsManifest`` is a list of groups; each group's ``paths`` are concatenated into one
  buffer and its ``weights`` are laid out in it back to back, in order, with no alignment.
- Plain ``float32`` / ``int32`` / ``bool`` weights are little-endian arrays.
- ``quantization: {dtype: uint8|uint16, min, scale}``: tfjs computes ``q * scale + min`` in
  double precision and stores the result in a Float32Array (round to nearest) — int32 weights
  take ``Math.round`` of the same expression.
- ``quantization: {dtype: float16}``: IEEE half to float32, which is exact.
"""

from __future__ import annotations

import json
import os
from typing import Dict, List, Tuple

import numpy as np

_BYTES = {"float32": 4, "int32": 4, "bool": 1, "uint8": 1, "uint16": 2, "float16": 2}


def load_model_json(model_dir_or_file: str) -> Tuple[dict, str]:
    """The parsed model.json and the folder its shard paths are relative to."""
    path = model_dir_or_file
    if os.path.isdir(path):
        path = os.path.join(path, "model.json")
    with open(path, "r", encoding="utf-8") as f:
        return json.load(f), os.path.dirname(os.path.abspath(path))


def _js_round(x: np.ndarray) -> np.ndarray:
    """JavaScript's Math.round: halves go towards +infinity."""
    return np.floor(x + 0.5)


def decode_weight(spec: dict, raw: bytes) -> np.ndarray:
    """One weight from its manifest entry and its bytes (exactly spec's byte length)."""
    shape = tuple(int(d) for d in spec.get("shape", []))
    dtype = spec.get("dtype", "float32")
    q = spec.get("quantization")
    if q is not None:
        qdtype = q["dtype"]
        if qdtype in ("uint8", "uint16"):
            if "min" not in q or "scale" not in q:
                raise ValueError(f"weight {spec['name']} quantized as {qdtype} lacks min and scale")
            ints = np.frombuffer(raw, dtype="<u1" if qdtype == "uint8" else "<u2").astype(np.float64)
            real = ints * float(q["scale"]) + float(q["min"])  # same operation order as tfjs, in doubles
            if dtype == "float32":
                values = real.astype(np.float32)
            elif dtype == "int32":
                values = _js_round(real).astype(np.int32)
            else:
                raise ValueError(f"weight {spec['name']}: {qdtype} quantization of {dtype} is not supported by tfjs")
        elif qdtype == "float16":
            if dtype != "float32":
                raise ValueError(f"weight {spec['name']}: float16 quantization only applies to float32 weights")
            values = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        else:
            raise ValueError(f"weight {spec['name']}: unsupported quantization dtype {qdtype}")
    elif dtype == "float32":
        values = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    elif dtype == "int32":
        values = np.frombuffer(raw, dtype="<i4").astype(np.int32)
    elif dtype == "bool":
        values = np.frombuffer(raw, dtype=np.uint8).astype(bool)
    else:
        raise ValueError(f"weight {spec['name']}: unsupported dtype {dtype}")
    return values.reshape(shape)


def _byte_length(spec: dict) -> int:
    size = int(np.prod([int(d) for d in spec.get("shape", [])], dtype=np.int64))
    q = spec.get("quantization")
    key = q["dtype"] if q is not None else spec.get("dtype", "float32")
    if key not in _BYTES:
        raise ValueError(f"weight {spec['name']}: unsupported dtype {key}")
    return size * _BYTES[key]


def decode_weights(specs: List[dict], buffer: bytes) -> Dict[str, np.ndarray]:
    """All weights of one group (its concatenated shards), in manifest order."""
    out: Dict[str, np.ndarray] = {}
    offset = 0
    for spec in specs:
        n = _byte_length(spec)
        if offset + n > len(buffer):
            raise ValueError(f"weight {spec['name']} runs past the end of its shards ({offset + n} > {len(buffer)} bytes)")
        out[spec["name"]] = decode_weight(spec, buffer[offset:offset + n])
        offset += n
    return out


def read_weights(model_dir_or_file: str) -> Dict[str, np.ndarray]:
    """name → numpy array for every weight of a tfjs model (layers or graph format)."""
    model, root = load_model_json(model_dir_or_file)
    out: Dict[str, np.ndarray] = {}
    for group in model.get("weightsManifest", []):
        buffer = b"".join(_read(os.path.join(root, p)) for p in group["paths"])
        out.update(decode_weights(group["weights"], buffer))
    return out


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def encode_float32_group(weights: List[Tuple[str, np.ndarray]], shard_name: str = "group1-shard1of1") -> Tuple[dict, bytes]:
    """A weightsManifest group and its single shard for plain float32 weights (tests, exports)."""
    specs = []
    chunks = []
    for name, value in weights:
        arr = np.ascontiguousarray(value, dtype="<f4")
        specs.append({"name": name, "shape": list(arr.shape), "dtype": "float32"})
        chunks.append(arr.tobytes())
    return {"paths": [shard_name], "weights": specs}, b"".join(chunks)
