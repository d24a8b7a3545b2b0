"""Parity driver for the low-rank and SMM prompts (src/engine/parity/wholeInputPrompts.test.ts).

    /usr/bin/python3 python/scripts/parity_whole_input.py EXCHANGE_DIR

Reads EXCHANGE_DIR/in (see autovp.exchange): meta describes the model folder, the canvas and the
cases; tensors are the base images [B, b, b, 3] (NHWC, [0, 1]), labels [B], FullyMap's weight
[S, T] / bias [T], and per case "<case>/<name>" the prompt's starting tensors under the engine's
names (lowrank_b, lowrank_a; or delta and the mask generator's mask_*). Writes EXCHANGE_DIR/out,
per case: the model input (NHWC), the loss and every gradient of one training step (mask
generator in train mode: batch statistics), the tensors after one Adam step and after one SGD
step, BN's running statistics after the step, and the logits in eval mode after the step.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autovp.exchange import read_folder, write_folder  # noqa: E402
from autovp.tfjs_to_torch import load_tfjs_layers_model  # noqa: E402
from autovp.vp_reference import cross_entropy, make_optimizer  # noqa: E402
from autovp.whole_input_prompts import WholeInputPromptReference  # noqa: E402

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def to_np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().copy()


def engine_layout(name: str, t: torch.Tensor) -> np.ndarray:
    """Gradients and values in the engine's layout (mask-net kernels [3, 3, in, out])."""
    return to_np(t.permute(2, 3, 1, 0) if name.endswith("_kernel") else t)


def build(meta, case, network, tensors, dtype) -> WholeInputPromptReference:
    model = WholeInputPromptReference(
        network, case["kind"], meta["canvas"], rank=case.get("rank", 4), value_range=meta["value_range"],
        mean=meta.get("mean"), std=meta.get("std"), num_source=meta["num_source"],
        num_target=meta["num_target"], dtype=dtype)
    prefix = case["name"] + "/"
    own = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(tensors["weight"]).to(dtype))
        model.bias.copy_(torch.from_numpy(tensors["bias"]).to(dtype))
        if case["kind"] == "lowrank":
            model.lowrank_b.copy_(torch.from_numpy(own["lowrank_b"]).to(dtype))
            model.lowrank_a.copy_(torch.from_numpy(own["lowrank_a"]).to(dtype))
        else:
            model.delta.copy_(torch.from_numpy(own["delta"]).to(dtype))
            model.mask_net.load_engine_tensors(own)
    return model


def state(model: WholeInputPromptReference):
    return {n: t.detach().clone() for n, t in model.state_dict().items() if "network" not in n}


def main(folder: str) -> None:
    started = time.time()
    torch.set_num_threads(1)
    tensors, meta = read_folder(os.path.join(folder, "in"))
    dtype = DTYPES[meta.get("dtype", "float64")]
    net = load_tfjs_layers_model(meta["model_dir"], dtype=dtype)
    output = meta["source_output"]

    def network(x: torch.Tensor) -> torch.Tensor:
        return net(x, [output])[output].reshape(x.shape[0], -1)

    x = torch.from_numpy(tensors["images"]).permute(0, 3, 1, 2).to(dtype)
    y = torch.from_numpy(tensors["labels"]).long()
    out = {}
    for case in meta["cases"]:
        name = case["name"]
        model = build(meta, case, network, tensors, dtype)
        model.train()  # the mask generator's BN in train mode, as SMM's training loop
        start = state(model)
        with torch.no_grad():
            out[f"{name}/model_input"] = to_np(model.model_input(x).permute(0, 2, 3, 1))
        model.load_state_dict(start)  # that forward moved BN's running statistics
        for opt in meta["optimizers"]:
            model.load_state_dict(start)
            params = list(model.trainable().values())
            optimizer = make_optimizer(params, opt["kind"], opt["lr"], 0.0, opt.get("momentum", 0.0))
            optimizer.zero_grad()
            loss = cross_entropy(model(x), y)
            loss.backward()
            if opt is meta["optimizers"][0]:
                out[f"{name}/loss"] = to_np(loss).reshape(1)
                for n, p in model.trainable().items():
                    out[f"{name}/grad/{n}"] = engine_layout(n, p.grad)
            optimizer.step()
            for n, p in model.trainable().items():
                out[f"{name}/{opt['name']}/{n}"] = engine_layout(n, p)
        if case["kind"] == "smm":
            for n in ("mask_bn1_mean", "mask_bn1_variance", "mask_bn4_mean", "mask_bn4_variance"):
                out[f"{name}/after/{n}"] = to_np(model.mask_net.engine_tensor(n))
        model.eval()
        with torch.no_grad():
            out[f"{name}/eval_logits"] = to_np(model(x))
    write_folder(os.path.join(folder, "out"), out, {"seconds": time.time() - started, "torch": torch.__version__})


if __name__ == "__main__":
    main(sys.argv[1])
