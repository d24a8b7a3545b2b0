"""Checks of the PyTorch reference against naive numpy loops written straight from the
definitions (TensorFlow's padding rules, bilinear sampling, the reference FreqMap).

    /usr/bin/python3 -m unittest discover -s python/tests -v
"""

from __future__ import annotations

import math
import os
import sys
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autovp.freqmap import count_matrix, freq_assignment, frequency_update_epochs  # noqa: E402
from autovp.tfjs_to_torch import KerasLayer, TfjsLayersModel, keras_layout, tf_same_padding  # noqa: E402
from autovp.tfjs_weights import decode_weight  # noqa: E402
from autovp.vp_reference import pad_mask, place_fixed, trainable_image_size, trainable_resize  # noqa: E402

RNG = np.random.default_rng(0)


def single_layer(class_name: str, config: dict, weights: dict, shape) -> TfjsLayersModel:
    layers = [
        KerasLayer("InputLayer", "input", {"batch_input_shape": [None, *shape]}, []),
        KerasLayer(class_name, "layer", config, ["input"]),
    ]
    return TfjsLayersModel(layers, ["layer"], {f"layer/{k}": v for k, v in weights.items()}, torch.float64)


def run_nhwc(model: TfjsLayersModel, x_nhwc: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        y = model(torch.from_numpy(x_nhwc).permute(0, 3, 1, 2))["layer"]
    return keras_layout(y).numpy()


def naive_windows(size: int, kernel: int, stride: int, padding: str):
    """(start index, pad_before) of each output position, TensorFlow's rule."""
    if padding == "valid":
        out = (size - kernel) // stride + 1
        before = 0
    else:
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        before = total // 2
    return [i * stride - before for i in range(out)]


class TensorFlowPadding(unittest.TestCase):
    def test_same_padding_puts_the_odd_cell_at_the_end(self):
        self.assertEqual(tf_same_padding(18, 3, 2), (0, 1))
        self.assertEqual(tf_same_padding(17, 2, 2), (0, 1))
        self.assertEqual(tf_same_padding(224, 3, 2), (0, 1))
        self.assertEqual(tf_same_padding(9, 3, 2), (1, 1))
        self.assertEqual(tf_same_padding(5, 1, 1), (0, 0))
        self.assertEqual(tf_same_padding(8, 4, 1), (1, 2))

    def test_conv2d_same_and_valid(self):
        for padding, size, k, s in [("same", 9, 3, 2), ("same", 8, 4, 1), ("same", 7, 2, 2), ("valid", 9, 3, 2)]:
            x = RNG.normal(size=(2, size, size, 3))
            kernel = RNG.normal(size=(k, k, 3, 4))
            bias = RNG.normal(size=(4,))
            model = single_layer("Conv2D", {"strides": [s, s], "padding": padding, "activation": "linear"},
                                 {"kernel": kernel, "bias": bias}, (size, size, 3))
            starts = naive_windows(size, k, s, padding)
            want = np.zeros((2, len(starts), len(starts), 4))
            for oi, r0 in enumerate(starts):
                for oj, c0 in enumerate(starts):
                    for di in range(k):
                        for dj in range(k):
                            r, c = r0 + di, c0 + dj
                            if 0 <= r < size and 0 <= c < size:
                                want[:, oi, oj, :] += x[:, r, c, :] @ kernel[di, dj]
            want += bias
            np.testing.assert_allclose(run_nhwc(model, x), want, rtol=1e-10, atol=1e-10, err_msg=f"{padding} {size} k{k} s{s}")

    def test_depthwise_channel_order(self):
        x = RNG.normal(size=(1, 6, 6, 3))
        kernel = RNG.normal(size=(3, 3, 3, 2))
        model = single_layer("DepthwiseConv2D", {"strides": [1, 1], "padding": "valid", "depth_multiplier": 2,
                                                 "use_bias": False}, {"depthwise_kernel": kernel}, (6, 6, 3))
        want = np.zeros((1, 4, 4, 6))
        for i in range(4):
            for j in range(4):
                patch = x[0, i:i + 3, j:j + 3, :]
                for ch in range(3):
                    for m in range(2):
                        want[0, i, j, ch * 2 + m] = np.sum(patch[:, :, ch] * kernel[:, :, ch, m])
        np.testing.assert_allclose(run_nhwc(model, x), want, rtol=1e-10, atol=1e-10)

    def test_same_pooling_ignores_padding(self):
        for cls in ["AveragePooling2D", "MaxPooling2D"]:
            for size, k, s in [(9, 2, 2), (9, 3, 2), (7, 3, 1)]:
                x = RNG.normal(size=(1, size, size, 2)) - 3.0  # all negative: zero padding would win a max
                model = single_layer(cls, {"pool_size": [k, k], "strides": [s, s], "padding": "same"}, {}, (size, size, 2))
                starts = naive_windows(size, k, s, "same")
                want = np.zeros((1, len(starts), len(starts), 2))
                for oi, r0 in enumerate(starts):
                    for oj, c0 in enumerate(starts):
                        rows = [r for r in range(r0, r0 + k) if 0 <= r < size]
                        cols = [c for c in range(c0, c0 + k) if 0 <= c < size]
                        cells = x[0][np.ix_(rows, cols)]
                        want[0, oi, oj] = cells.mean(axis=(0, 1)) if cls == "AveragePooling2D" else cells.max(axis=(0, 1))
                np.testing.assert_allclose(run_nhwc(model, x), want, rtol=1e-12, atol=1e-12, err_msg=f"{cls} {size} {k} {s}")

    def test_flatten_is_channels_last(self):
        x = RNG.normal(size=(2, 3, 4, 5))
        model = single_layer("Flatten", {}, {}, (3, 4, 5))
        np.testing.assert_array_equal(run_nhwc(model, x), x.reshape(2, -1))

    def test_softmax_dense_returns_logits(self):
        x = RNG.normal(size=(2, 1, 1, 4))
        kernel = RNG.normal(size=(4, 3))
        bias = RNG.normal(size=(3,))
        layers = [
            KerasLayer("InputLayer", "input", {"batch_input_shape": [None, 1, 1, 4]}, []),
            KerasLayer("Flatten", "flat", {}, ["input"]),
            KerasLayer("Dense", "layer", {"activation": "softmax"}, ["flat"]),
        ]
        model = TfjsLayersModel(layers, ["layer"], {"layer/kernel": kernel, "layer/bias": bias}, torch.float64)
        with torch.no_grad():
            out = model(torch.from_numpy(x).permute(0, 3, 1, 2), ["layer", "layer/softmax"])
        logits = x.reshape(2, 4) @ kernel + bias
        np.testing.assert_allclose(out["layer"].numpy(), logits, rtol=1e-12)
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        np.testing.assert_allclose(out["layer/softmax"].numpy(), e / e.sum(axis=1, keepdims=True), rtol=1e-12)


def bilinear_naive(img: np.ndarray, u: float, v: float) -> np.ndarray:
    """Bilinear sample of img [H, W, C] at row u, column v with zeros outside."""
    h, w = img.shape[:2]
    r0, c0 = math.floor(u), math.floor(v)
    out = np.zeros(img.shape[2])
    for r, wr in ((r0, 1 - (u - r0)), (r0 + 1, u - r0)):
        for c, wc in ((c0, 1 - (v - c0)), (c0 + 1, v - c0)):
            if 0 <= r < h and 0 <= c < w:
                out += wr * wc * img[r, c]
    return out


class Geometry(unittest.TestCase):
    def test_fixed_placement_is_half_pixel_bilinear_at_the_floor_offset(self):
        for b, n, canvas in [(18, 9, 32), (18, 27, 32), (15, 15, 20)]:
            x = RNG.random((1, b, b, 3))
            got = place_fixed(torch.from_numpy(x).permute(0, 3, 1, 2), n, canvas).permute(0, 2, 3, 1).numpy()[0]
            top = (canvas - n) // 2
            want = np.zeros((canvas, canvas, 3))
            ratio = b / n
            for i in range(n):
                for j in range(n):
                    # half-pixel centres, clamped to the image (no antialiasing)
                    u = min(max((i + 0.5) * ratio - 0.5, 0), b - 1)
                    v = min(max((j + 0.5) * ratio - 0.5, 0), b - 1)
                    want[top + i, top + j] = bilinear_naive(x[0], u, v)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=f"{b}->{n} on {canvas}")

    def test_trainable_resize_samples_about_the_canvas_centre(self):
        b, canvas = 15, 32
        x = RNG.random((1, b, b, 3))
        for s in [0.7, 1.0, 1.3, 2.1]:
            scale = torch.tensor(s, dtype=torch.float64)
            got = trainable_resize(torch.from_numpy(x).permute(0, 3, 1, 2), scale, canvas).permute(0, 2, 3, 1).numpy()[0]
            top = (canvas - b) // 2
            c = (canvas - 1) / 2
            want = np.zeros((canvas, canvas, 3))
            for i in range(canvas):
                for j in range(canvas):
                    want[i, j] = bilinear_naive(x[0], c + (i - c) / s - top, c + (j - c) / s - top)
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9, err_msg=f"s={s}")

    def test_resize_scale_gradient_matches_finite_differences(self):
        b, canvas = 15, 32
        x = torch.from_numpy(RNG.random((2, 3, b, b)))
        w = torch.from_numpy(RNG.normal(size=(2, 3, canvas, canvas)))
        s = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
        (trainable_resize(x, s, canvas) * w).sum().backward()
        eps = 1e-6
        f = lambda v: float((trainable_resize(x, torch.tensor(v, dtype=torch.float64), canvas) * w).sum())  # noqa: E731
        self.assertAlmostEqual(s.grad.item(), (f(1.3 + eps) - f(1.3 - eps)) / (2 * eps), places=5)

    def test_mask_side_is_floor_of_float32_scale(self):
        self.assertEqual(trainable_image_size(15, torch.tensor(1.3), 32), 19)
        self.assertEqual(trainable_image_size(128, torch.tensor(1.5), 224), 192)
        self.assertEqual(trainable_image_size(128, torch.tensor(2.0), 224), 224)
        # float32(0.53) · 100 rounds below 53 in float32: the reference's int(b · scale) on its
        # float32 parameter gives 52 (so does the engine's float32 floor), where doubles give 53.
        self.assertEqual(math.floor(0.53 * 100), 53)
        self.assertEqual(trainable_image_size(100, torch.tensor(0.53, dtype=torch.float32), 224), 52)
        mask = pad_mask(32, 19).numpy()
        self.assertEqual(mask.sum(), 32 * 32 - 19 * 19)
        self.assertEqual(mask[6, 6], 0)
        self.assertEqual(mask[5, 6], 1)
        self.assertEqual(mask[24, 24], 0)
        self.assertEqual(mask[25, 24], 1)


class FreqMap(unittest.TestCase):
    def test_ties_go_to_the_smallest_flat_index(self):
        counts = np.array([[2, 2], [2, 0], [0, 1]])
        self.assertEqual(freq_assignment(counts, 1), [[0], [2]])

    def test_zero_counts_are_visited_in_flat_order(self):
        counts = np.zeros((6, 2))
        counts[4, 1] = 3
        self.assertEqual(freq_assignment(counts, 2), [[0, 1], [4, 0 + 2]])

    def test_count_matrix(self):
        c = count_matrix([1, 1, 0, 2], [0, 0, 1, 1], 3, 2)
        np.testing.assert_array_equal(c, [[0, 1], [2, 0], [0, 1]])

    def test_iter_schedule(self):
        self.assertEqual(frequency_update_epochs("freq", 1, 5), [0])
        self.assertEqual(frequency_update_epochs("iter", 2, 7), [0, 2, 4, 6])


class Weights(unittest.TestCase):
    def test_uint8_dequantisation_rounds_once_to_float32(self):
        spec = {"name": "w", "shape": [3], "dtype": "float32", "quantization": {"dtype": "uint8", "min": -1.0, "scale": 0.1}}
        got = decode_weight(spec, bytes([0, 10, 255]))
        want = np.array([0 * 0.1 - 1.0, 10 * 0.1 - 1.0, 255 * 0.1 - 1.0], dtype=np.float64).astype(np.float32)
        np.testing.assert_array_equal(got, want)

    def test_int32_from_uint8_rounds_half_up_like_math_round(self):
        spec = {"name": "w", "shape": [3], "dtype": "int32", "quantization": {"dtype": "uint8", "min": -2.5, "scale": 1.0}}
        np.testing.assert_array_equal(decode_weight(spec, bytes([0, 1, 5])), [-2, -1, 3])


if __name__ == "__main__":
    unittest.main()
