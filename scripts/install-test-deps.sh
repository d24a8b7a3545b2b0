#!/usr/bin/env bash
# Installs what the tests need beyond npm packages, on Debian (this project's CI and dev machines):
# Debian's Chromium for Playwright, and PyTorch (with OpenBLAS), torchvision, NumPy and Pillow for the parity tests against a reference and the exported Ray Tune job;
# clang and wasm-ld 19 for the test that rebuilds our wasm kernels (src/engine/backend/kernels).
# Idempotent: does nothing when everything is already there.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
/usr/bin/python3 -c 'import torch, torchvision, numpy, PIL' 2>/dev/null || need+=(python3-torch python3-torchvision python3-numpy python3-pil)
# Debian's torch links the reference BLAS (about 6 GFLOP/s a core here); OpenBLAS, Debian's own
# alternative, is what an expert installs beside it (about 60): the parity tests and the PyTorch
# rows of the benchmarks run at its speed.
[ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ] || need+=(libopenblas0-pthread)
{ command -v clang-19 && [ -x /usr/lib/llvm-19/bin/wasm-ld ]; } >/dev/null || need+=(clang-19 lld-19)

if [ ${#need[@]} -eq 0 ]; then
  echo "install-test-deps: Chromium, PyTorch, torchvision, NumPy, Pillow and clang 19 are present."
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-test-deps: need root (or sudo) to install: ${need[*]}" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null; then
  echo "install-test-deps: no apt-get here; install ${need[*]} by hand (see README)." >&2
  exit 1
fi
echo "install-test-deps: installing ${need[*]} from Debian…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "install-test-deps: done."
