"""Rebuild a TensorFlow.js Keras layers-format model (model.json + shards) as a torch module.

``load_tfjs_layers_model(model_dir)`` returns a ``TfjsLayersModel`` whose ``forward(x, outputs)``
takes an NCHW float tensor in the model's own value range (e.g. [0, 1] for darknet-tiny and the
nsfwjs models) and returns ``{layer_name: tensor}`` for the requested layers.

Layouts: inside the module, and in what it returns, rank-4 tensors are NCHW (torch's layout);
every other rank keeps the Keras layout. Flatten, Reshape and Dense therefore move to
channels-last first, so that Dense kernels trained on Keras's NHWC flattening apply unchanged.
``keras_layout(t)`` turns a returned NCHW tensor back into NHWC.

Softmax heads: a Conv2D/Dense whose activation is softmax returns its PRE-softmax logits under
the layer's name (visual prompting trains on logits); the probabilities are available as
``"<name>/softmax"`` and are what downstream layers read. The TypeScript engine does the same.

TensorFlow semantics reproduced exactly (not torch's defaults):
- 'same' padding is computed per dimension from the input size, pad_total =
  max((ceil(in/stride) − 1)·stride + (k − 1)·dilation + 1 − in, 0), with pad_total // 2 on the
  top/left and the rest (one more when odd) on the bottom/right;
- max pooling with 'same' pads with −inf; average pooling with 'same' divides each window by
  the number of real (non-padded) cells it covers;
- depthwise kernels [kh, kw, in, mult] give output channel i·mult + m from input channel i.
"""

from __future__ import annotations

import math
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from .tfjs_weights import load_model_json, read_weights

Tensor = torch.Tensor

IDENTITY_LAYERS = {
    "Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
    "AlphaDropout", "ActivityRegularization",
}


# --------------------------------------------------------------------------------------------
# Topology
# --------------------------------------------------------------------------------------------

class KerasLayer:
    def __init__(self, class_name: str, name: str, config: dict, inbound: List[str]):
        self.class_name = class_name
        self.name = name
        self.config = config
        self.inbound = inbound

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"KerasLayer({self.class_name} {self.name!r} <- {self.inbound})"


def parse_layers_topology(topology: dict) -> Tuple[List[KerasLayer], List[str]]:
    """(layers in file order, names of the model's output layers)."""
    model = topology.get("model_config", topology)
    if isinstance(model, dict) and "class_name" not in model and "config" in model:
        model = model["config"]
    cls = model.get("class_name")
    config = model.get("config")
    if cls == "Sequential":
        raw = config if isinstance(config, list) else config["layers"]
        layers: List[KerasLayer] = []
        first = raw[0]
        if first["class_name"] != "InputLayer":
            shape = first["config"].get("batch_input_shape") or first["config"].get("batch_shape")
            if shape is None:
                raise ValueError(f"the first layer {_name_of(first)!r} declares no input shape")
            layers.append(KerasLayer("InputLayer", _name_of(first) + "_input", {"batch_input_shape": shape}, []))
        for r in raw:
            previous = [layers[-1].name] if layers else []
            layers.append(KerasLayer(r["class_name"], _name_of(r), r["config"], previous))
        return layers, [layers[-1].name]
    if cls in ("Model", "Functional"):
        layers = [KerasLayer(r["class_name"], _name_of(r), r["config"], _inbound(r.get("inbound_nodes"), _name_of(r)))
                  for r in config["layers"]]
        inputs = config.get("input_layers") or []
        if len(inputs) > 1:
            raise ValueError(f"the model has {len(inputs)} inputs; only single-input models are supported")
        outputs = [o[0] for o in (config.get("output_layers") or [])] or [layers[-1].name]
        return layers, outputs
    raise ValueError(f"unsupported model class {cls!r} (expected Model, Functional or Sequential)")


def _name_of(raw: dict) -> str:
    return raw.get("name") or raw["config"]["name"]


def _inbound(nodes, layer: str) -> List[str]:
    if not nodes:
        return []
    if len(nodes) > 1:
        raise ValueError(f"layer {layer!r} is applied {len(nodes)} times; shared layers are not supported")
    node = nodes[0]
    refs: list = []
    if isinstance(node, list):
        refs = node
    elif isinstance(node, dict):  # Keras 3: {args: [...keras tensors with keras_history...], kwargs}
        _collect_histories(node.get("args"), refs)
    else:
        raise ValueError(f"inbound node of layer {layer!r} is neither a list nor an object")
    names = []
    for ref in refs:
        if (ref[1] if len(ref) > 1 else 0) != 0 or (ref[2] if len(ref) > 2 else 0) != 0:
            raise ValueError(f"layer {layer!r} reads a non-first node/tensor of {ref[0]!r}; not supported")
        names.append(ref[0])
    return names


def _collect_histories(v, into: list) -> None:
    if isinstance(v, list):
        for item in v:
            _collect_histories(item, into)
    elif isinstance(v, dict) and isinstance(v.get("config"), dict) and isinstance(v["config"].get("keras_history"), list):
        into.append(v["config"]["keras_history"])


def _topological(layers: List[KerasLayer]) -> List[KerasLayer]:
    by_name = {l.name: l for l in layers}
    order: List[KerasLayer] = []
    state: Dict[str, int] = {}

    def visit(l: KerasLayer) -> None:
        s = state.get(l.name, 0)
        if s == 2:
            return
        if s == 1:
            raise ValueError(f"the layer graph has a cycle through {l.name!r}")
        state[l.name] = 1
        for n in l.inbound:
            if n not in by_name:
                raise ValueError(f"layer {l.name!r} reads unknown layer {n!r}")
            visit(by_name[n])
        state[l.name] = 2
        order.append(l)

    for l in layers:
        visit(l)
    return order


# --------------------------------------------------------------------------------------------
# TensorFlow semantics
# --------------------------------------------------------------------------------------------

def _pair(v, default) -> Tuple[int, int]:
    if v is None:
        v = default
    if isinstance(v, (int, float)):
        return int(v), int(v)
    return int(v[0]), int(v[1])


def tf_same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> Tuple[int, int]:
    """(before, after) padding of TensorFlow's 'same' along one dimension."""
    effective = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def _same_pad_amounts(x: Tensor, kernel, strides, dilation=(1, 1)) -> Tuple[int, int, int, int]:
    top, bottom = tf_same_padding(x.shape[2], kernel[0], strides[0], dilation[0])
    left, right = tf_same_padding(x.shape[3], kernel[1], strides[1], dilation[1])
    return left, right, top, bottom


def _keras_axis_to_torch(axis: int, rank: int) -> int:
    a = axis % rank
    if rank != 4:
        return a
    return {0: 0, 1: 2, 2: 3, 3: 1}[a]


def keras_layout(t: Tensor) -> Tensor:
    """NCHW → NHWC for rank-4 tensors; others unchanged."""
    return t.permute(0, 2, 3, 1) if t.dim() == 4 else t


def _torch_layout(t: Tensor) -> Tensor:
    return t.permute(0, 3, 1, 2) if t.dim() == 4 else t


def _on_last_axis(x: Tensor, f: Callable[[Tensor], Tensor]) -> Tensor:
    """Apply f on the Keras (channels-last) layout of x."""
    if x.dim() == 4:
        return f(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
    return f(x)


def _softmax_keras(x: Tensor, axis: int = -1) -> Tensor:
    return torch.softmax(x, dim=_keras_axis_to_torch(axis, x.dim()))


ACTIVATIONS: Dict[str, Callable[[Tensor], Tensor]] = {
    "linear": lambda x: x,
    "relu": F.relu,
    "relu6": lambda x: torch.clamp(x, 0.0, 6.0),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "elu": F.elu,
    "selu": F.selu,
    "swish": lambda x: x * torch.sigmoid(x),
    "silu": lambda x: x * torch.sigmoid(x),
    "softplus": F.softplus,
    "softsign": F.softsign,
    "hard_sigmoid": lambda x: torch.clamp(0.2 * x + 0.5, 0.0, 1.0),
    "softmax": _softmax_keras,
}


def activation_fn(name) -> Callable[[Tensor], Tensor]:
    name = name or "linear"
    if isinstance(name, dict):  # Keras 3 serialises some activations as objects
        name = name.get("config", {}).get("name") or name.get("class_name")
    if name not in ACTIVATIONS:
        raise ValueError(f"activation {name!r} is not supported")
    return ACTIVATIONS[name]


def keras_relu(x: Tensor, max_value=None, negative_slope: float = 0.0, threshold: float = 0.0) -> Tensor:
    """Keras ReLU layer: max_value if x ≥ max_value, x if threshold ≤ x, else slope·(x − threshold)."""
    y = torch.where(x >= threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        y = torch.clamp(y, max=float(max_value))
    return y


# --------------------------------------------------------------------------------------------
# The module
# --------------------------------------------------------------------------------------------

class TfjsLayersModel(torch.nn.Module):
    """A Keras layers model as a torch module with frozen weights (buffers, no parameters)."""

    def __init__(self, layers: List[KerasLayer], output_layers: List[str], weights: Dict[str, np.ndarray],
                 dtype: torch.dtype = torch.float32):
        super().__init__()
        self.dtype = dtype
        self.layers = _topological(layers)
        self.output_layers = list(output_layers)
        self._weights = weights
        self._buffers_by_name: Dict[str, str] = {}
        self._steps: List[Tuple[KerasLayer, Callable[[List[Tensor]], Tuple[Tensor, Optional[Tensor]]]]] = []
        self.input_name: Optional[str] = None
        self.input_shape: Optional[Tuple[Optional[int], Optional[int], int]] = None
        for layer in self.layers:
            if layer.class_name == "InputLayer":
                if self.input_name is not None:
                    raise ValueError("the model has more than one InputLayer")
                shape = layer.config.get("batch_input_shape") or layer.config.get("batch_shape")
                self.input_name = layer.name
                self.input_shape = (shape[1], shape[2], shape[3]) if shape and len(shape) == 4 else None
                continue
            self._steps.append((layer, self._build(layer)))
        if self.input_name is None:
            raise ValueError("the model has no InputLayer")

    # -- weights ------------------------------------------------------------------------------

    def _weight(self, layer: KerasLayer, suffix: str) -> Tensor:
        key = f"{layer.name}/{suffix}"
        if key not in self._weights:
            matches = [k for k in self._weights if k.endswith(f"/{key}")]
            if len(matches) != 1:
                raise KeyError(f"layer {layer.name!r} ({layer.class_name}): no weight {key!r}")
            key = matches[0]
        buf = key.replace("/", "__").replace(".", "_").replace(":", "_")
        if buf not in self._buffers_by_name:
            self.register_buffer(buf, torch.from_numpy(np.array(self._weights[key])).to(self.dtype), persistent=False)
            self._buffers_by_name[buf] = key
        return getattr(self, buf)

    def _optional_bias(self, layer: KerasLayer) -> Optional[Tensor]:
        return None if layer.config.get("use_bias", True) is False else self._weight(layer, "bias")

    # -- layer builders -----------------------------------------------------------------------

    def _build(self, layer: KerasLayer):
        c = layer.config
        cls = layer.class_name
        if c.get("data_format") == "channels_first":
            raise ValueError(f"layer {layer.name!r}: channels_first is not supported")
        if cls in IDENTITY_LAYERS:
            return lambda xs: (xs[0], None)
        builder = getattr(self, f"_build_{cls}", None)
        if builder is None:
            raise ValueError(f"layer {layer.name!r}: type {cls} is not supported")
        return builder(layer)

    def _with_activation(self, f: Callable[[Tensor], Tensor], activation):
        """Returns (value passed downstream, value exposed under the layer name)."""
        name = activation or "linear"
        if name == "softmax":
            def run(xs):
                logits = f(xs[0])
                return _softmax_keras(logits), logits
            return run
        act = activation_fn(name)
        return lambda xs: (act(f(xs[0])), None)

    def _conv_common(self, layer: KerasLayer):
        c = layer.config
        strides = _pair(c.get("strides"), 1)
        dilation = _pair(c.get("dilation_rate"), 1)
        padding = c.get("padding", "valid")
        if padding not in ("same", "valid"):
            raise ValueError(f"layer {layer.name!r}: padding {padding!r} is not supported")
        return strides, dilation, padding

    def _build_Conv2D(self, layer: KerasLayer):
        strides, dilation, padding = self._conv_common(layer)
        if int(layer.config.get("groups", 1)) != 1:
            raise ValueError(f"layer {layer.name!r}: grouped convolutions are not supported")
        kernel = self._weight(layer, "kernel")  # [kh, kw, in, out]
        weight = kernel.permute(3, 2, 0, 1).contiguous()
        bias = self._optional_bias(layer)
        ksize = (kernel.shape[0], kernel.shape[1])

        def conv(x: Tensor) -> Tensor:
            if padding == "same":
                x = F.pad(x, _same_pad_amounts(x, ksize, strides, dilation))
            return F.conv2d(x, weight, bias, stride=strides, dilation=dilation)

        return self._with_activation(conv, layer.config.get("activation"))

    def _depthwise(self, kernel: Tensor, strides, dilation, padding, bias: Optional[Tensor]):
        kh, kw, cin, mult = kernel.shape
        # output channel i·mult + m reads input channel i with kernel[:, :, i, m]
        weight = kernel.permute(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw).contiguous()

        def conv(x: Tensor) -> Tensor:
            if padding == "same":
                x = F.pad(x, _same_pad_amounts(x, (kh, kw), strides, dilation))
            return F.conv2d(x, weight, bias, stride=strides, dilation=dilation, groups=cin)

        return conv

    def _build_DepthwiseConv2D(self, layer: KerasLayer):
        strides, dilation, padding = self._conv_common(layer)
        conv = self._depthwise(self._weight(layer, "depthwise_kernel"), strides, dilation, padding,
                               self._optional_bias(layer))
        return self._with_activation(conv, layer.config.get("activation"))

    def _build_SeparableConv2D(self, layer: KerasLayer):
        strides, dilation, padding = self._conv_common(layer)
        depthwise = self._depthwise(self._weight(layer, "depthwise_kernel"), strides, dilation, padding, None)
        pointwise = self._weight(layer, "pointwise_kernel").permute(3, 2, 0, 1).contiguous()
        bias = self._optional_bias(layer)
        return self._with_activation(lambda x: F.conv2d(depthwise(x), pointwise, bias),
                                     layer.config.get("activation"))

    def _build_Dense(self, layer: KerasLayer):
        kernel = self._weight(layer, "kernel")  # [in, out]
        bias = self._optional_bias(layer)

        def dense(x: Tensor) -> Tensor:
            def f(y: Tensor) -> Tensor:
                out = torch.matmul(y, kernel)
                return out + bias if bias is not None else out
            return _on_last_axis(x, f)

        return self._with_activation(dense, layer.config.get("activation"))

    def _build_BatchNormalization(self, layer: KerasLayer):
        c = layer.config
        axis = c.get("axis", -1)
        if isinstance(axis, list):
            if len(axis) != 1:
                raise ValueError(f"layer {layer.name!r}: batch norm over several axes is not supported")
            axis = axis[0]
        eps = float(c.get("epsilon", 1e-3))
        gamma = self._weight(layer, "gamma") if c.get("scale", True) is not False else None
        beta = self._weight(layer, "beta") if c.get("center", True) is not False else None
        mean = self._weight(layer, "moving_mean")
        var = self._weight(layer, "moving_variance")

        def bn(xs):
            x = xs[0]
            dim = _keras_axis_to_torch(int(axis), x.dim())
            shape = [1] * x.dim()
            shape[dim] = -1
            y = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
            if gamma is not None:
                y = y * gamma.reshape(shape)
            if beta is not None:
                y = y + beta.reshape(shape)
            return y, None

        return bn

    def _build_Activation(self, layer: KerasLayer):
        act = activation_fn(layer.config.get("activation"))
        return lambda xs: (act(xs[0]), None)

    def _build_ReLU(self, layer: KerasLayer):
        c = layer.config
        max_value = c.get("max_value")
        slope = float(c.get("negative_slope", 0.0) or 0.0)
        threshold = float(c.get("threshold", 0.0) or 0.0)
        return lambda xs: (keras_relu(xs[0], max_value, slope, threshold), None)

    def _build_LeakyReLU(self, layer: KerasLayer):
        c = layer.config
        alpha = c.get("alpha", c.get("negative_slope", 0.3))
        alpha = 0.3 if alpha is None else float(alpha)
        return lambda xs: (F.leaky_relu(xs[0], alpha), None)

    def _build_ELU(self, layer: KerasLayer):
        alpha = float(layer.config.get("alpha", 1.0))
        return lambda xs: (F.elu(xs[0], alpha), None)

    def _build_Softmax(self, layer: KerasLayer):
        axis = layer.config.get("axis", -1)
        if isinstance(axis, list):
            axis = axis[0]
        return lambda xs: (_softmax_keras(xs[0], int(axis)), None)

    def _build_ZeroPadding2D(self, layer: KerasLayer):
        (top, bottom), (left, right) = _padding_2d(layer.config.get("padding", 1))
        return lambda xs: (F.pad(xs[0], (left, right, top, bottom)), None)

    def _build_Cropping2D(self, layer: KerasLayer):
        (top, bottom), (left, right) = _padding_2d(layer.config.get("cropping", 0))

        def crop(xs):
            x = xs[0]
            return x[:, :, top:x.shape[2] - bottom, left:x.shape[3] - right], None

        return crop

    def _build_UpSampling2D(self, layer: KerasLayer):
        size = _pair(layer.config.get("size"), 2)
        if layer.config.get("interpolation", "nearest") != "nearest":
            raise ValueError(f"layer {layer.name!r}: only nearest up-sampling is supported")
        return lambda xs: (xs[0].repeat_interleave(size[0], dim=2).repeat_interleave(size[1], dim=3), None)

    def _pool_params(self, layer: KerasLayer):
        c = layer.config
        size = _pair(c.get("pool_size"), 2)
        strides = _pair(c.get("strides"), size)
        padding = c.get("padding", "valid")
        if padding not in ("same", "valid"):
            raise ValueError(f"layer {layer.name!r}: padding {padding!r} is not supported")
        return size, strides, padding

    def _build_MaxPooling2D(self, layer: KerasLayer):
        size, strides, padding = self._pool_params(layer)

        def pool(xs):
            x = xs[0]
            if padding == "same":
                x = F.pad(x, _same_pad_amounts(x, size, strides), value=-math.inf)
            return F.max_pool2d(x, size, strides), None

        return pool

    def _build_AveragePooling2D(self, layer: KerasLayer):
        size, strides, padding = self._pool_params(layer)

        def pool(xs):
            x = xs[0]
            if padding == "valid":
                return F.avg_pool2d(x, size, strides), None
            pads = _same_pad_amounts(x, size, strides)
            sums = F.avg_pool2d(F.pad(x, pads), size, strides, divisor_override=1)
            ones = torch.ones((1, 1, x.shape[2], x.shape[3]), dtype=x.dtype, device=x.device)
            counts = F.avg_pool2d(F.pad(ones, pads), size, strides, divisor_override=1)
            return sums / counts, None

        return pool

    def _build_GlobalAveragePooling2D(self, layer: KerasLayer):
        keep = bool(layer.config.get("keepdims", False))
        return lambda xs: (xs[0].mean(dim=(2, 3), keepdim=keep), None)

    def _build_GlobalMaxPooling2D(self, layer: KerasLayer):
        keep = bool(layer.config.get("keepdims", False))
        return lambda xs: (torch.amax(xs[0], dim=(2, 3), keepdim=keep), None)

    def _build_Flatten(self, layer: KerasLayer):
        return lambda xs: (keras_layout(xs[0]).reshape(xs[0].shape[0], -1), None)

    def _build_Reshape(self, layer: KerasLayer):
        target = [int(d) for d in layer.config["target_shape"]]
        return lambda xs: (_torch_layout(keras_layout(xs[0]).reshape(xs[0].shape[0], *target)), None)

    def _build_Rescaling(self, layer: KerasLayer):
        scale = float(layer.config["scale"])
        offset = float(layer.config.get("offset", 0.0))
        return lambda xs: (xs[0] * scale + offset, None)

    def _build_Add(self, layer: KerasLayer):
        def add(xs):
            y = xs[0]
            for x in xs[1:]:
                y = y + x
            return y, None
        return add

    def _build_Subtract(self, layer: KerasLayer):
        return lambda xs: (xs[0] - xs[1], None)

    def _build_Multiply(self, layer: KerasLayer):
        def mul(xs):
            y = xs[0]
            for x in xs[1:]:
                y = y * x
            return y, None
        return mul

    def _build_Average(self, layer: KerasLayer):
        return lambda xs: (sum(xs[1:], xs[0]) / len(xs), None)

    def _build_Maximum(self, layer: KerasLayer):
        def mx(xs):
            y = xs[0]
            for x in xs[1:]:
                y = torch.maximum(y, x)
            return y, None
        return mx

    def _build_Minimum(self, layer: KerasLayer):
        def mn(xs):
            y = xs[0]
            for x in xs[1:]:
                y = torch.minimum(y, x)
            return y, None
        return mn

    def _build_Concatenate(self, layer: KerasLayer):
        axis = int(layer.config.get("axis", -1))
        return lambda xs: (torch.cat(xs, dim=_keras_axis_to_torch(axis, xs[0].dim())), None)

    # -- running ------------------------------------------------------------------------------

    @property
    def layer_names(self) -> List[str]:
        return [l.name for l in self.layers]

    def forward(self, x: Tensor, outputs: Optional[Sequence[str]] = None) -> Dict[str, Tensor]:
        if x.dim() != 4:
            raise ValueError(f"expected NCHW input, got shape {tuple(x.shape)}")
        wanted = list(outputs) if outputs is not None else list(self.output_layers)
        known = set(self.layer_names) | {f"{n}/softmax" for n in self.layer_names}
        for w in wanted:
            if w not in known:
                raise KeyError(f"the model has no layer {w!r}")
        needed = self._needed(wanted)
        values: Dict[str, Tensor] = {self.input_name: x.to(self.dtype)}
        exposed: Dict[str, Tensor] = {}
        for layer, run in self._steps:
            if layer.name not in needed:
                continue
            downstream, logits = run([values[n] for n in layer.inbound])
            values[layer.name] = downstream
            if logits is not None:
                exposed[layer.name] = logits
                exposed[f"{layer.name}/softmax"] = downstream
        out: Dict[str, Tensor] = {}
        for w in wanted:
            out[w] = exposed[w] if w in exposed else values[w]
        return out

    def _needed(self, wanted: Sequence[str]) -> set:
        by_name = {l.name: l for l in self.layers}
        needed: set = set()
        stack = [w.split("/softmax")[0] if w.endswith("/softmax") else w for w in wanted]
        while stack:
            n = stack.pop()
            if n in needed:
                continue
            needed.add(n)
            stack.extend(by_name[n].inbound)
        return needed


def _padding_2d(p) -> Tuple[Tuple[int, int], Tuple[int, int]]:
    if isinstance(p, (int, float)):
        return (int(p), int(p)), (int(p), int(p))
    h, w = p
    h = (int(h), int(h)) if isinstance(h, (int, float)) else (int(h[0]), int(h[1]))
    w = (int(w), int(w)) if isinstance(w, (int, float)) else (int(w[0]), int(w[1]))
    return h, w


def load_tfjs_layers_model(model_dir: str, dtype: torch.dtype = torch.float32) -> TfjsLayersModel:
    """A Keras layers-format tfjs model (folder with model.json, or the model.json path) as a
    torch module in eval mode with the same weights (dequantised as tfjs does)."""
    model_json, _ = load_model_json(model_dir)
    topology = model_json["modelTopology"]
    if "node" in topology:
        raise ValueError("this is a graph model (TF GraphDef); only Keras layers models are supported")
    layers, output_layers = parse_layers_topology(topology)
    module = TfjsLayersModel(layers, output_layers, read_weights(model_dir), dtype)
    return module.eval()
