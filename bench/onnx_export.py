"""The frozen network of a tfjs layers model as ONNX, for the ONNX Runtime Web peer of `npm run bench`.

    /usr/bin/python3 bench/onnx_export.py --model-dir ../shared/models/darknet-tiny \
        --source-output global_average_pooling2d_1 --batch 32 --out bench/tmp/onnx/darknet-tiny.onnx

The network is python/autovp's torch rebuild of the same weights (checked against tfjs by the parity
tests), exported by torch.onnx with a fixed batch; input "x" is NCHW at the model's input size.
"""

from __future__ import annotations

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

from autovp.tfjs_to_torch import load_tfjs_layers_model  # noqa: E402


class SourceOutput(torch.nn.Module):
    def __init__(self, network: torch.nn.Module, output: str):
        super().__init__()
        self.network = network
        self.output = output

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.network(x, [self.output])[self.output].reshape(x.shape[0], -1)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model-dir", required=True)
    p.add_argument("--source-output", required=True)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--input-size", type=int, default=224)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    module = SourceOutput(load_tfjs_layers_model(args.model_dir), args.source_output).eval()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    example = torch.rand(args.batch, 3, args.input_size, args.input_size)
    torch.onnx.export(module, example, args.out, input_names=["x"], output_names=["y"], opset_version=13)


if __name__ == "__main__":
    main()
