"""Read an AutoVP prompt file (.safetensors, see docs/prompt-format.md) and apply it in PyTorch.

Reading needs numpy alone (no safetensors package, no torch)::

    from autovp.prompt_file import load_prompt_file
    pf = load_prompt_file("prompt.safetensors")
    pf.prompt.shape, pf.manifest["targetClasses"]

Applying it (torch) to a frozen model, here the app's bundled MobileNetV2 rebuilt by
autovp.tfjs_to_torch::

    model = load_tfjs_layers_model("public/generated/models/nsfwjs-mobilenet-v2")
    probs = pf.predict(lambda x: model(x, [pf.source_output])[pf.source_output], pixels)

``pixels`` are uint8 images [N, H, W, 3] (or [N, H, W] gray) prepared like the run's dataset
(manifest "preprocessing": square, transparency composited onto alphaBackground). The pipeline
is the engine's: pixels / 255 → bilinear resize (half-pixel centres) to baseSize → place on the
canvas (fixed scale, or the learnt resize_scale) → + act(prompt)·mask → model value range and
normalisation → frozen model → source logits → label mapping → target logits. The geometry is
autovp.vp_reference's, which the project checks against the engine. The two prompts that fill the
whole input (kind "lowrank": + B·A before the value range; kind "smm": + δ ⊙ mask(image) after
it) are autovp.whole_input_prompts', from the factors or mask-generator tensors the file holds.

``python -m autovp.prompt_file FILE`` prints what a file holds.
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Tuple, Union

import numpy as np

FORMAT = "autovp-prompt"
VERSION = 1
MAX_HEADER_BYTES = 16 * 1024 * 1024
# SMM's mask generator (patch size 8, 5 conv layers): channels through it; the first 4 convs have BN.
SMM_CHANNELS = (3, 8, 16, 32, 64, 3)
SMM_NORMALISED_LAYERS = 4

_DTYPES = {"F32": np.dtype("<f4"), "I32": np.dtype("<i4"), "U8": np.dtype("u1"), "F64": np.dtype("<f8"),
           "I64": np.dtype("<i8"), "F16": np.dtype("<f2"), "I16": np.dtype("<i2"), "U16": np.dtype("<u2"),
           "I8": np.dtype("i1"), "BOOL": np.dtype("?"), "U32": np.dtype("<u4"), "U64": np.dtype("<u8")}


class PromptFileError(ValueError):
    """The file is not a valid AutoVP prompt file."""


def read_safetensors(data: Union[str, bytes]) -> Tuple[Dict[str, np.ndarray], Dict[str, str], int]:
    """(tensors, string metadata, offset of the data section) of a .safetensors file, numpy only.
    Checks that the tensors cover the data section exactly (no gaps, overlap or trailing bytes)."""
    if isinstance(data, str):
        with open(data, "rb") as f:
            data = f.read()
    if len(data) < 8:
        raise PromptFileError("too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER_BYTES or 8 + n > len(data):
        raise PromptFileError(f"bad header length {n}")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        raise PromptFileError("the header is not a JSON object")
    metadata = header.pop("__metadata__", {}) or {}
    start = 8 + n
    tensors: Dict[str, np.ndarray] = {}
    spans = []
    for name, entry in header.items():
        dtype = _DTYPES.get(entry["dtype"])
        if dtype is None:
            raise PromptFileError(f"tensor {name!r}: unsupported dtype {entry['dtype']}")
        shape = tuple(int(d) for d in entry["shape"])
        begin, end = (int(o) for o in entry["data_offsets"])
        if end - begin != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
            raise PromptFileError(f"tensor {name!r}: {end - begin} bytes for shape {list(shape)}")
        spans.append((begin, end, name))
        tensors[name] = np.frombuffer(data, dtype=dtype, count=(end - begin) // dtype.itemsize,
                                      offset=start + begin).reshape(shape).copy()
    at = 0
    for begin, end, name in sorted(spans):
        if begin != at:
            raise PromptFileError(f"tensor {name!r} does not follow the previous one (gap or overlap)")
        at = end
    if start + at != len(data):
        raise PromptFileError("the data section has bytes that belong to no tensor")
    return tensors, metadata, start


@dataclass
class PromptFile:
    manifest: Dict[str, Any]
    prompt: np.ndarray                      # float32 [C, C, 3], raw δ
    mask: np.ndarray                        # float32 [C, C]
    resize_scale: Optional[np.float32]      # trainable resize only
    mapping_indices: Optional[np.ndarray]   # int32 [T, k] (one-to-one mappings)
    mapping_weight: Optional[np.ndarray]    # float32 [S, T] (FullyMap)
    mapping_bias: Optional[np.ndarray]      # float32 [T]
    mapping_omega: Optional[np.ndarray] = None  # float32 [S, T] (BLM / BLM+: target logits = source logits @ ω)
    # What the prompt learnt besides δ: lowrank_b [3, C, r] and lowrank_a [3, r, C], or SMM's
    # mask generator (mask_conv{i}_kernel [3, 3, in, out], …, BN statistics included).
    learnt: Dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def classes(self):
        return self.manifest["targetClasses"]

    @property
    def source_output(self) -> str:
        return self.manifest["model"]["sourceOutput"]

    # -- the pipeline (torch) -------------------------------------------------------------------

    def base_images(self, pixels: np.ndarray):
        """uint8 [N, H, W, 3] or [N, H, W] → float32 NCHW [N, 3, b, b] in [0, 1], b = baseSize."""
        import torch
        import torch.nn.functional as F
        x = torch.from_numpy(np.ascontiguousarray(pixels)).to(torch.float32) / 255.0
        if x.dim() == 3:
            x = x.unsqueeze(-1)
        x = x.permute(0, 3, 1, 2)
        b = int(self.manifest["preprocessing"]["baseSize"])
        if x.shape[-2:] != (b, b):
            x = F.interpolate(x, size=(b, b), mode="bilinear", align_corners=False, antialias=False)
        return x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x

    def model_input(self, base):
        """Base images NCHW in [0, 1] → what the frozen model receives (NCHW)."""
        import torch
        from .vp_reference import add_prompt, place_fixed, to_model_range, trainable_resize
        m = self.manifest
        canvas = int(m["model"]["inputSize"])
        norm = m["model"].get("normalization")
        if m["prompt"]["kind"] in ("lowrank", "smm"):
            return self._whole_input(base, canvas, norm)
        if m["trainableResize"]:
            placed = trainable_resize(base, torch.tensor(self.resize_scale, dtype=torch.float32), canvas)
        else:
            placed = place_fixed(base, int(m["imageSize"]), canvas)
        x = add_prompt(placed, torch.from_numpy(self.prompt), torch.from_numpy(self.mask), m["promptActivation"])
        return to_model_range(x, m["model"]["valueRange"], norm and norm["mean"], norm and norm["std"])

    def _whole_input(self, base, canvas: int, norm):
        import torch
        from .vp_reference import to_model_range
        from .whole_input_prompts import AttributeNet, patchwise_upsample, resize_to_canvas
        value_range = self.manifest["model"]["valueRange"]
        mean, std = norm and norm["mean"], norm and norm["std"]
        placed = resize_to_canvas(base, canvas)
        if self.manifest["prompt"]["kind"] == "lowrank":
            pattern = torch.bmm(torch.from_numpy(self.learnt["lowrank_b"]), torch.from_numpy(self.learnt["lowrank_a"]))
            return to_model_range(placed + pattern.unsqueeze(0), value_range, mean, std)
        net = AttributeNet()
        net.load_engine_tensors(self.learnt)
        net.eval()  # BN with the running statistics, as at test time
        x = to_model_range(placed, value_range, mean, std)
        return x + torch.from_numpy(self.prompt).permute(2, 0, 1).unsqueeze(0) * patchwise_upsample(net(x), canvas)

    def target_logits(self, source_logits):
        """Source logits [N, S] → target logits [N, T] through the label mapping."""
        import torch
        s = source_logits.reshape(source_logits.shape[0], -1)
        if self.mapping_weight is not None:
            return s @ torch.from_numpy(self.mapping_weight) + torch.from_numpy(self.mapping_bias)
        if self.mapping_omega is not None:
            return s @ torch.from_numpy(self.mapping_omega)
        idx = torch.from_numpy(self.mapping_indices.astype(np.int64))  # [T, k]
        return s[:, idx].mean(dim=2)

    def predict(self, source_model: Callable, pixels: np.ndarray, batch_size: int = 32) -> np.ndarray:
        """Softmax probabilities [N, T]; source_model maps a model-input batch to source logits."""
        import torch
        out = []
        with torch.no_grad():
            for i in range(0, len(pixels), batch_size):
                x = self.model_input(self.base_images(pixels[i:i + batch_size]))
                out.append(torch.softmax(self.target_logits(source_model(x)), dim=1).numpy())
        return np.concatenate(out) if out else np.zeros((0, len(self.classes)), np.float32)


def _need(tensors: Dict[str, np.ndarray], name: str, dtype: str, shape) -> np.ndarray:
    if name not in tensors:
        raise PromptFileError(f"no {name!r} tensor")
    t = tensors[name]
    if t.dtype != np.dtype(dtype) or t.shape != tuple(shape):
        raise PromptFileError(f"{name!r} is {t.dtype} {list(t.shape)}, expected {dtype} {list(shape)}")
    if t.dtype.kind == "f" and not np.isfinite(t).all():
        raise PromptFileError(f"{name!r} has values that are not finite")
    return t


def load_prompt_file(path: Union[str, bytes]) -> PromptFile:
    """Reads and checks an AutoVP prompt file (format, version, integrity digest, shapes)."""
    if isinstance(path, str):
        with open(path, "rb") as f:
            data = f.read()
    else:
        data = path
    tensors, metadata, start = read_safetensors(data)
    if "autovp" not in metadata:
        raise PromptFileError("not an AutoVP prompt: no 'autovp' metadata")
    m = json.loads(metadata["autovp"])
    if m.get("format") != FORMAT:
        raise PromptFileError(f"not an AutoVP prompt manifest: format {m.get('format')!r}")
    if m.get("version") != VERSION:
        raise PromptFileError(f"format version {m.get('version')!r}; this reader knows {VERSION}")
    digest = (m.get("integrity") or {}).get("sha256")
    if digest and hashlib.sha256(data[start:]).hexdigest() != digest:
        raise PromptFileError("the tensors do not match the file's SHA-256 (changed after export)")
    c = int(m["model"]["inputSize"])
    t = len(m["targetClasses"])
    s = int(m["model"]["numSource"])
    pf = PromptFile(
        manifest=m,
        prompt=_need(tensors, "prompt", "<f4", (c, c, 3)),
        mask=_need(tensors, "mask", "<f4", (c, c)),
        resize_scale=_need(tensors, "resize_scale", "<f4", ())[()] if m["trainableResize"] else None,
        mapping_indices=None, mapping_weight=None, mapping_bias=None)
    pf.learnt = {name: _need(tensors, name, "<f4", shape) for name, shape in learnt_shapes(m, c).items()}
    if m["labelMapping"]["kind"] == "fully":
        pf.mapping_weight = _need(tensors, "mapping_weight", "<f4", (s, t))
        pf.mapping_bias = _need(tensors, "mapping_bias", "<f4", (t,))
    elif m["labelMapping"]["kind"] in ("blm", "blmplus"):
        omega = _need(tensors, "mapping_omega", "<f4", (s, t))
        if omega.min() < 0 or not np.allclose(omega.sum(axis=0), 1, atol=1e-3):
            raise PromptFileError("'mapping_omega' is not a BLM weight matrix (non-negative, each column summing to 1)")
        pf.mapping_omega = omega
    else:
        idx = _need(tensors, "mapping_indices", "<i4", (t, int(m["labelMapping"]["k"])))
        if idx.min() < 0 or idx.max() >= s or len(np.unique(idx)) != idx.size:
            raise PromptFileError("'mapping_indices' is not a one-to-one mapping onto the source outputs")
        pf.mapping_indices = idx
    return pf


def learnt_shapes(manifest: Dict[str, Any], canvas: int) -> Dict[str, Tuple[int, ...]]:
    """The tensors a prompt of this kind holds besides δ, with their shapes."""
    kind = manifest["prompt"]["kind"]
    if kind == "lowrank":
        r = int(manifest["config"]["promptRank"])
        return {"lowrank_b": (3, canvas, r), "lowrank_a": (3, r, canvas)}
    if kind == "smm":
        shapes: Dict[str, Tuple[int, ...]] = {}
        for i in range(len(SMM_CHANNELS) - 1):
            cin, cout = SMM_CHANNELS[i], SMM_CHANNELS[i + 1]
            shapes[f"mask_conv{i + 1}_kernel"] = (3, 3, cin, cout)
            shapes[f"mask_conv{i + 1}_bias"] = (cout,)
            if i < SMM_NORMALISED_LAYERS:
                for part in ("gamma", "beta", "mean", "variance"):
                    shapes[f"mask_bn{i + 1}_{part}"] = (cout,)
        return shapes
    return {}


def describe(pf: PromptFile) -> str:
    m = pf.manifest
    metrics = m.get("metrics", {})
    acc = lambda split: (metrics.get(split) or {}).get("accuracy")  # noqa: E731
    lines = [
        f"model:        {m['model']['name']} ({m['model']['id']}), {m['model']['inputSize']}² input in {m['model']['valueRange']}",
        f"prompt:       {m['prompt']['kind']}, {m['promptActivation']}, image {m['imageSize']} px"
        f" (scale {m['resizeScale']}{', trainable' if m['trainableResize'] else ''})",
        f"mapping:      {m['labelMapping']['kind']}" + (f", k={m['labelMapping']['k']}" if m['labelMapping']['k'] else ""),
        f"classes:      {len(pf.classes)}: {', '.join(pf.classes[:10])}{' …' if len(pf.classes) > 10 else ''}",
        f"accuracy:     validation {acc('validation')}, test {acc('test')}",
        f"created:      {m['createdAt']} by {m.get('generator')}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    for p in sys.argv[1:]:
        print(p)
        print(describe(load_prompt_file(p)))
