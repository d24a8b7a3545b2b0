"""The PyTorch peer of the benchmark: the same visual-prompting step, natively, on the same weights.

    /usr/bin/python3 bench/torch_peer.py --model-dir ../shared/models/darknet-tiny \
        --source-output global_average_pooling2d_1 [--batch 32] [--runs 3] [--warmup 1] [--threads 1,2] \
        [--channels-last]

Run it twice, as `npm run bench` does: as Debian ships it (glibc malloc, NCHW), and tuned the way a
performance engineer would (the caller sets MALLOC_MMAP_MAX_=0 and a huge MALLOC_TRIM_THRESHOLD_, or
preloads jemalloc, so that large activations are not mmap'd and page-faulted afresh at every step;
`--channels-last` for the network, its weights and its input).

The frozen network is the tfjs model rebuilt in torch by python/autovp/tfjs_to_torch (weights as
buffers, so backward computes the input gradient only) and the pipeline is python/autovp's
reference (base 128 → centred on the 224 canvas, + sigmoid(δ)·pad mask, FullyMap to 10 classes,
cross-entropy, torch.optim.Adam lr 1e-3): the design bench/lib/vpStep.ts trains.

- forward: the prompted model under torch.no_grad() on a ready batch;
- VP step: uint8 32×32 images → float / 255 → bilinear 128² (what toBatchTensor does), then
  zero_grad, forward, loss, backward, Adam step, loss.item().

Prints one JSON object: {"model", "batch", "inputSize", "torchVersion", "runs": [{"threads",
"forwardMs", "vpStepMs", "ratio", "forward", "vpStep", "data", "forwardCpuMs", "vpStepCpuMs"}]}:
medians, and median/min/max of the timed repetitions under forward, vpStep and data.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

from autovp.tfjs_to_torch import load_tfjs_layers_model  # noqa: E402
from autovp.vp_reference import VisualPromptReference, cross_entropy, make_optimizer  # noqa: E402


def timing(samples):
    med = statistics.median(samples)
    return {"median": med, "min": min(samples), "max": max(samples), "spread": (max(samples) - min(samples)) / med,
            "samples": [round(s, 1) for s in samples]}


def measure(args, threads: int) -> dict:
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = load_tfjs_layers_model(args.model_dir)
    net.eval()
    if args.channels_last:
        net = net.to(memory_format=torch.channels_last)
    output = args.source_output

    def network(x):
        return net(x, [output])[output].reshape(x.shape[0], -1)

    with torch.no_grad():
        num_source = network(torch.zeros((1, 3, args.input_size, args.input_size))).shape[1]
    model = VisualPromptReference(network, canvas=args.input_size, base=128, input_scale=1.0, trainable_resize=False,
                                  mapping="fully", num_source=num_source, num_target=10)
    with torch.no_grad():
        model.weight.normal_(0, 1 / num_source ** 0.5)
    opt = make_optimizer(list(model.trainable().values()), "adam", 1e-3)
    pixels = torch.randint(0, 256, (args.batch, 32, 32, 3), dtype=torch.uint8)
    labels = torch.arange(args.batch) % 10
    layout = torch.channels_last if args.channels_last else torch.contiguous_format
    fixed = F.interpolate(pixels.permute(0, 3, 1, 2).float() / 255, size=(128, 128), mode="bilinear",
                          align_corners=False).contiguous(memory_format=layout)

    cpu_fw, cpu_st = [], []

    def forward() -> float:
        c0 = time.process_time()
        t0 = time.perf_counter()
        with torch.no_grad():
            model(fixed).sum().item()
        cpu_fw.append((time.process_time() - c0) * 1000)
        return (time.perf_counter() - t0) * 1000

    def step():
        c0 = time.process_time()
        t0 = time.perf_counter()
        x = F.interpolate(pixels.permute(0, 3, 1, 2).float() / 255, size=(128, 128), mode="bilinear",
                          align_corners=False).contiguous(memory_format=layout)
        data = (time.perf_counter() - t0) * 1000
        opt.zero_grad(set_to_none=True)
        loss = cross_entropy(model(x), labels)
        loss.backward()
        opt.step()
        model.clamp_scale()
        loss.item()
        cpu_st.append((time.process_time() - c0) * 1000)
        return (time.perf_counter() - t0) * 1000, data

    for _ in range(args.warmup):
        forward()
        step()
    cpu_fw.clear()
    cpu_st.clear()
    fw, st, data = [], [], []
    for _ in range(args.runs):
        fw.append(forward())
        total, d = step()
        st.append(total)
        data.append(d)
    f, s = timing(fw), timing(st)
    # CPU time of the process: steadier than wall time on a loaded machine (all threads summed).
    return {"threads": threads, "forward": f, "vpStep": s, "data": timing(data), "forwardMs": f["median"],
            "vpStepMs": s["median"], "ratio": s["median"] / f["median"],
            "forwardCpuMs": statistics.median(cpu_fw), "vpStepCpuMs": statistics.median(cpu_st)}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model-dir", required=True)
    p.add_argument("--model", default=None)
    p.add_argument("--source-output", required=True)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--input-size", type=int, default=224)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", default=f"1,{os.cpu_count()}")
    p.add_argument("--channels-last", action="store_true")
    args = p.parse_args()
    thread_counts = sorted({max(1, int(t)) for t in args.threads.split(",")})
    runs = []
    for t in thread_counts:
        runs.append(measure(args, t))
        print(f"  [torch {args.model or args.model_dir}] {t} thread(s): forward {runs[-1]['forwardMs']:.0f} ms, "
              f"step {runs[-1]['vpStepMs']:.0f} ms", file=sys.stderr, flush=True)
    tuning = {"channelsLast": args.channels_last,
              "allocator": {k: os.environ[k] for k in ("MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "LD_PRELOAD")
                            if k in os.environ}}
    print(json.dumps({"model": args.model or os.path.basename(os.path.normpath(args.model_dir)), "batch": args.batch,
                      "inputSize": args.input_size, "torchVersion": torch.__version__, "tuning": tuning,
                      "runs": runs}))


if __name__ == "__main__":
    main()
