"""Checks of autovp.clip_prompt (a CLIP prompt file's source model rebuilt from its manifest) on the
tiny random CLIP of test/fixtures/tiny-clip: the batched, padded heads against one text at a time
written from the definition; a prompt file with an empty prompt and the identity mapping predicting
CLIP's zero-shot classes; the refusals. src/cli/clipExport.test.ts compares the loader with the
engine on a prompt the CLI trained.

    /usr/bin/python3 -m unittest discover -s python/tests -v
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import sys
import tempfile
import unittest

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autovp.clip_prompt import class_embeddings, clip_source_model, config_summary, load_tokenizer  # noqa: E402
from autovp.clip_reference import CLIP_MEAN, CLIP_STD, ClipReference  # noqa: E402
from autovp.clip_tokenizer import EOS  # noqa: E402
from autovp.prompt_file import PromptFileError, load_prompt_file  # noqa: E402

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "tiny-clip")
CLASSES = ["red", "golden_retriever", "checker"]
TEMPLATES = ["This is a photo of a {}.", "a bad photo of the {}.", "{} in a video game, rendered at a very low resolution."]


def write_prompt_file(path: str, manifest: dict, tensors: dict) -> None:
    """A safetensors file (F32 tensors, the manifest under metadata "autovp"), written by hand."""
    header, chunks, at = {"__metadata__": {"autovp": json.dumps(manifest)}}, [], 0
    for name, value in tensors.items():
        data = np.ascontiguousarray(value, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(value.shape), "data_offsets": [at, at + len(data)]}
        chunks.append(data)
        at += len(data)
    text = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def zero_shot_manifest(clip: ClipReference, head: str) -> dict:
    canvas = clip.config.vision.image_size
    num_source = len(CLASSES) * (len(TEMPLATES) if head == "perTemplate" else 1)
    return {
        "format": "autovp-prompt", "version": 1, "integrity": None, "createdAt": "2026-12-05T00:00:00Z",
        "model": {"id": "folder:tiny-clip", "name": "tiny-clip", "format": "clip", "inputSize": canvas,
                  "valueRange": [0, 1], "normalization": {"mean": list(CLIP_MEAN), "std": list(CLIP_STD)},
                  "sourceOutput": "logits", "numSource": num_source,
                  "clip": {"checkpoint": {"kind": "folder", "name": "tiny-clip"}, "config": config_summary(clip.config),
                           "templates": TEMPLATES, "head": head, "classNames": CLASSES}},
        "inputScale": 1, "imageSize": canvas, "trainableResize": False, "resizeScale": 1,
        "prompt": {"kind": "pad", "patchSize": 32}, "promptActivation": "identity",
        "preprocessing": {"baseSize": canvas},
        "labelMapping": {"kind": "fully", "k": None, "interval": None},
        "targetClasses": CLASSES, "config": {},
    }


class ClipPromptLoader(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.clip = ClipReference(FIXTURE)
        cls.tokenizer = load_tokenizer(FIXTURE)
        cls.dir = tempfile.mkdtemp(prefix="clip-prompt-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def one_text(self, text: str) -> torch.Tensor:
        """The unit embedding of one text, alone (no batch, no padding)."""
        ids = self.tokenizer.encode(text, self.clip.config.text.max_position_embeddings)
        with torch.no_grad():
            e = self.clip.text_embeds(torch.tensor([ids]), self.tokenizer.vocab[EOS])[0]
        return e / e.norm()

    def test_heads_match_one_text_at_a_time(self):
        texts = {(t, c): self.one_text(t.replace("{}", c.replace("_", " "))) for t in TEMPLATES for c in CLASSES}
        per_template = class_embeddings(self.clip, self.tokenizer, CLASSES, TEMPLATES, "perTemplate")
        self.assertEqual(tuple(per_template.shape), (len(TEMPLATES) * len(CLASSES), self.clip.config.projection_dim))
        for ti, t in enumerate(TEMPLATES):
            for ci, c in enumerate(CLASSES):  # template-major: row t·C + c
                torch.testing.assert_close(per_template[ti * len(CLASSES) + ci], texts[(t, c)], rtol=0, atol=1e-5)
        mean = class_embeddings(self.clip, self.tokenizer, CLASSES, TEMPLATES, "mean")
        for ci, c in enumerate(CLASSES):
            m = sum(texts[(t, c)] for t in TEMPLATES) / len(TEMPLATES)
            torch.testing.assert_close(mean[ci], m / m.norm(), rtol=0, atol=1e-5)

    def test_an_empty_prompt_with_the_identity_mapping_is_zero_shot(self):
        rng = np.random.default_rng(3)
        canvas = self.clip.config.vision.image_size
        pixels = rng.integers(0, 256, size=(5, canvas, canvas, 3), dtype=np.uint8)
        for head in ("mean", "perTemplate"):
            manifest = zero_shot_manifest(self.clip, head)
            s, t = manifest["model"]["numSource"], len(CLASSES)
            # Source class s (template-major) → target class s mod C.
            weight = np.zeros((s, t), np.float32)
            weight[np.arange(s), np.arange(s) % t] = 1.0
            path = os.path.join(self.dir, f"{head}.safetensors")
            write_prompt_file(path, manifest, {
                "prompt": np.zeros((canvas, canvas, 3), np.float32), "mask": np.zeros((canvas, canvas), np.float32),
                "mapping_weight": weight, "mapping_bias": np.zeros(t, np.float32)})
            pf = load_prompt_file(path)
            probs = pf.predict(clip_source_model(pf, FIXTURE), pixels)
            # Written from the definition: normalise, embed, cosine against the head, × exp(scale).
            x = (torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 255 - torch.tensor(CLIP_MEAN).view(1, 3, 1, 1)) \
                / torch.tensor(CLIP_STD).view(1, 3, 1, 1)
            with torch.no_grad():
                img = F.normalize(self.clip.image_embeds(x), dim=-1)
                head_rows = class_embeddings(self.clip, self.tokenizer, CLASSES, TEMPLATES, head)
                logits = (torch.exp(self.clip.logit_scale) * img @ head_rows.T) @ torch.from_numpy(weight)
            np.testing.assert_allclose(probs, torch.softmax(logits, dim=1).numpy(), atol=1e-5, err_msg=head)

    def test_refusals(self):
        canvas = self.clip.config.vision.image_size
        tensors = {"prompt": np.zeros((canvas, canvas, 3), np.float32), "mask": np.zeros((canvas, canvas), np.float32),
                   "mapping_weight": np.eye(3, dtype=np.float32), "mapping_bias": np.zeros(3, np.float32)}

        def refused(manifest: dict, folder: str = FIXTURE) -> str:
            path = os.path.join(self.dir, "refused.safetensors")
            write_prompt_file(path, manifest, tensors)
            with self.assertRaises(PromptFileError) as caught:
                clip_source_model(load_prompt_file(path), folder)
            return str(caught.exception)

        no_head = zero_shot_manifest(self.clip, "mean")
        del no_head["model"]["clip"]
        self.assertIn("records no CLIP text head", refused(no_head))
        other = os.path.join(self.dir, "other-clip")
        shutil.copytree(FIXTURE, other)
        with open(os.path.join(other, "config.json"), "r+", encoding="utf-8") as f:
            config = json.load(f)
            config["vision_config"]["patch_size"] = 32
            f.seek(0)
            f.truncate()
            json.dump(config, f)
        self.assertIn("patchSize 16 (this checkpoint: 32)", refused(zero_shot_manifest(self.clip, "mean"), other))
        not_clip = zero_shot_manifest(self.clip, "mean")
        not_clip["model"]["format"] = "layers"
        self.assertIn("not for a CLIP checkpoint", refused(not_clip))


if __name__ == "__main__":
    unittest.main()
