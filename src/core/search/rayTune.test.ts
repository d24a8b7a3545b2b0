import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../design/schema';
import { DEFAULT_ASHA } from './asha';
import { py, type RayTuneExport, rayTuneScript, referenceTrials } from './rayTune';
import { autovpSpace } from './space';

const python = '/usr/bin/python3';
const workdir = mkdtempSync(join(tmpdir(), 'autovp-ray-'));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

const digits = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function exportOf(over: Partial<RayTuneExport> = {}): RayTuneExport {
  return {
    state: {
      id: 'search-1',
      seed: 7,
      space: autovpSpace(['nsfwjs-mobilenet-v2', 'nsfwjs-mobilenet-v2-mid']),
      asha: DEFAULT_ASHA,
      tuning: { learningRates: [1e-2, 1e-3, 1e-4], weightDecays: [0, 1e-5, 1e-10] },
    },
    dataset: { id: 'mnist', name: 'MNIST digits', classes: digits },
    models: [
      { id: 'nsfwjs-mobilenet-v2', name: 'MobileNetV2', textImage: false },
      { id: 'nsfwjs-mobilenet-v2-mid', name: 'MobileNetV2 1.4', textImage: false },
    ],
    data: { valFraction: 0.1, trainImages: 40, valImages: 40, testImages: 30, fraction: 1 },
    baseDesign: { ...DEFAULT_DESIGN, learningRate: 0.05 },
    finalEpochs: 3,
    createdAt: '2026-11-20',
    ...over,
  };
}

/** The CONFIGS literal of a script, parsed (Python dict syntax → JSON). */
function configsOf(script: string): Record<string, unknown>[] {
  const body = /\nCONFIGS = \[\n([\s\S]*?)\n\]/.exec(script)?.[1] ?? '';
  const json = `[${body.replace(/None/g, 'null').replace(/True/g, 'true').replace(/False/g, 'false').replace(/,\s*$/, '')}]`;
  return JSON.parse(json) as Record<string, unknown>[];
}

describe('Ray Tune export', () => {
  it('writes Python literals', () => {
    expect(py({ a: [1, 0.5, null, true, 'x"y'] })).toBe('{"a": [1, 0.5, None, True, "x\\"y"]}');
    expect(py(1e-10)).toBe('1e-10');
  });

  it('runs the reference models over the browser axes: image classifiers as resnet18, the full space = 60 configurations', () => {
    const script = rayTuneScript(exportOf());
    const configs = configsOf(script);
    // Two image models collapse into resnet18: 6 FullyMap + 18 SemanticMap + 18 FreqMap + 18 IterMap.
    expect(configs).toHaveLength(60);
    expect(new Set(configs.map((c) => c['pretrained_model']))).toEqual(new Set(['resnet18']));
    expect(Object.keys(configs[0]!)).toEqual([
      'pretrained_model',
      'mapping_method',
      'num_map',
      'freqmap_interval',
      'scale',
      'set_train_resize',
    ]);
    expect(
      configs.filter((c) => c['mapping_method'] === 'frequency_based_mapping' && c['freqmap_interval'] === 1),
    ).toHaveLength(18);
    expect(
      configs
        .filter((c) => c['mapping_method'] === 'fully_connected_layer_mapping')
        .every((c) => c['num_map'] === null),
    ).toBe(true);
    expect(script).toContain('PRETRAINED = ["resnet18"]');
    expect(script).toMatch(/MobileNetV2 \(nsfwjs-mobilenet-v2\): not in AutoVP's model zoo; searched as "resnet18"/);
  });

  it('sets up ASHA, the validation metric, stage 2 and the final test with the search settings', () => {
    const script = rayTuneScript(exportOf());
    expect(script).toMatch(
      /ASHAScheduler\(\s*time_attr="training_iteration",\s*metric="val_acc",\s*mode="max",\s*max_t=MAX_T,\s*grace_period=GRACE_PERIOD,\s*reduction_factor=REDUCTION_FACTOR,\s*\)/,
    );
    expect(script).toContain(
      `MAX_T = ${DEFAULT_ASHA.maxEpochs}\nGRACE_PERIOD = ${DEFAULT_ASHA.gracePeriod}\nREDUCTION_FACTOR = ${DEFAULT_ASHA.reductionFactor}`,
    );
    expect(script).toContain('LR_GRID = [0.01, 0.001, 0.0001]');
    expect(script).toContain('WEIGHT_DECAY_GRID = [0.0, 0.00001, 1e-10]');
    expect(script).toContain('from auto_vp.load_model import Load_Reprogramming_Model');
    expect(script).toContain('git clone https://github.com/IBM/AutoVP.git');
    expect(script).toContain('DATASET_SOURCE = "mnist"');
    expect(script).toContain('FINAL_EPOCHS = 3');
    expect(script).toMatch(/tune\.grid_search\(configs\)/);
    // The browser's image counts, the trials' apart from the winner's.
    expect(rayTuneScript(exportOf({ trialTrainImages: 25 }))).toContain(
      "# The browser's trials trained on 25 images, its winner on 40, all validated on 40;",
    );
    expect(script).toContain("# The browser's trials trained on 40 images, its winner on 40");
  });

  it('narrows with the search, leaves SemanticMap out for CLIP and one-to-one mappings that do not fit', () => {
    const narrow = exportOf({
      state: {
        ...exportOf().state,
        space: {
          ...autovpSpace(['clip-like', 'img']),
          mappings: ['semantic', 'freq'],
          scales: [1],
          trainableResize: [false],
          ks: [1, 10],
        },
        tuning: { learningRates: [], weightDecays: [] },
      },
      models: [
        { id: 'clip-like', name: 'CLIP-ish', textImage: true },
        { id: 'img', name: 'An image model', textImage: false },
      ],
      dataset: { id: 'my-set', name: 'Birds', classes: Array.from({ length: 150 }, (_, i) => `bird ${i}`) },
    });
    const { trials, excluded } = referenceTrials(narrow);
    // clip: freq k1, k10 (81·150 sources); resnet18: semantic k1, freq k1 (150·10 > 1000 for k10).
    expect(trials.map((t) => t.id).sort()).toEqual([
      'clip/freq/k1/s1/fixed',
      'clip/freq/k10/s1/fixed',
      'resnet18/freq/k1/s1/fixed',
      'resnet18/semantic/k1/s1/fixed',
    ]);
    expect(excluded.map((e) => e.id).sort()).toEqual([
      'clip/semantic/k1/s1/fixed',
      'clip/semantic/k10/s1/fixed',
      'resnet18/freq/k10/s1/fixed',
      'resnet18/semantic/k10/s1/fixed',
    ]);
    const script = rayTuneScript(narrow);
    expect(script).toContain('LR_GRID = []');
    expect(script).toContain('DATASET_SOURCE = "image-folder"');
    expect(script).toMatch(/# Left out for the reference models \(4\):/);
  });

  it.skipIf(!existsSync(python))('is valid Python (py_compile)', () => {
    for (const [name, o] of [
      ['full', exportOf()],
      ['no-stage2', exportOf({ state: { ...exportOf().state, tuning: { learningRates: [], weightDecays: [] } } })],
    ] as const) {
      const file = join(workdir, `autovp_search_${name}.py`);
      writeFileSync(file, rayTuneScript(o));
      const r = spawnSync(python, ['-m', 'py_compile', file], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The exported script run end to end with Debian's torch, against stand-ins for Ray Tune (trials
// one after another, the same ASHA rule) and for IBM/AutoVP's auto_vp (a tiny frozen network with
// the reference's attributes), on a tiny image folder. Checks the script's own logic: data splits,
// model building with the reference's parameter names, FreqMap/IterMap calls, the per-epoch
// report, both stages and the final test.

const STUBS: Record<string, string> = {
  'ray/__init__.py': '__version__ = "2.9.3"\n',
  'ray/train/__init__.py': 'from ray.tune import _record\n\n\ndef report(metrics):\n    _record(metrics)\n',
  'ray/tune/schedulers.py': `import numpy as np


class ASHAScheduler:
    """Ray Tune's ASHA rule: rungs at grace * eta^k below max_t; stop below the (1 - 1/eta) quantile."""

    def __init__(self, time_attr, metric, mode, max_t, grace_period, reduction_factor):
        assert (time_attr, metric, mode) == ("training_iteration", "val_acc", "max")
        self.metric, self.max_t, self.eta = metric, max_t, reduction_factor
        self.rungs, m = [], grace_period
        while m < max_t:
            self.rungs.append((int(m), {}))
            m *= reduction_factor

    def on_result(self, trial_id, result):
        t = result["training_iteration"]
        if t >= self.max_t:
            return "STOP"
        for milestone, recorded in reversed(self.rungs):
            if t < milestone or trial_id in recorded:
                continue
            recorded[trial_id] = result[self.metric]
            cutoff = np.percentile(list(recorded.values()), (1 - 1 / self.eta) * 100)
            return "STOP" if result[self.metric] < cutoff else "CONTINUE"
        return "CONTINUE"
`,
  'ray/tune/__init__.py': `"""Stand-in for Ray Tune: grid trials one after another in this process."""
import csv
import itertools
import json

_current = None
LOG = []


class _Stop(Exception):
    pass


def grid_search(values):
    return {"grid_search": list(values)}


def with_parameters(fn, **kwargs):
    return lambda config: fn(config, **kwargs)


def with_resources(fn, resources):
    assert set(resources) == {"cpu", "gpu"}
    return fn


class TuneConfig:
    def __init__(self, scheduler=None, num_samples=1):
        self.scheduler, self.num_samples = scheduler, num_samples


def _record(metrics):
    t = _current
    t["iteration"] += 1
    result = dict(metrics, training_iteration=t["iteration"])
    t["results"].append(result)
    if t["scheduler"].on_result(t["id"], result) == "STOP":
        raise _Stop()


class _Result:
    def __init__(self, trial):
        self.config, self.metrics = trial["config"], trial["results"][-1]


class _Frame:
    def __init__(self, trials):
        self.trials = trials

    def to_csv(self, path, index=False):
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["trial", "config", "training_iteration", "val_acc"])
            for t in self.trials:
                w.writerow([t["id"], json.dumps(t["config"]), t["iteration"], t["results"][-1]["val_acc"]])


class _Grid:
    def __init__(self, trials):
        self.trials = trials

    def get_dataframe(self):
        return _Frame(self.trials)

    def get_best_result(self, metric, mode, scope):
        assert (metric, mode, scope) == ("val_acc", "max", "last")
        return _Result(max(self.trials, key=lambda t: t["results"][-1][metric]))


class Tuner:
    def __init__(self, trainable, param_space, tune_config):
        self.trainable, self.space, self.config = trainable, param_space, tune_config

    def fit(self):
        global _current
        grids = [(k, v["grid_search"]) for k, v in self.space.items() if isinstance(v, dict) and "grid_search" in v]
        trials = []
        for n, combo in enumerate(itertools.product(*[g for _, g in grids])):
            config = dict(self.space, **dict(zip([k for k, _ in grids], combo)))
            _current = {"id": n, "config": config, "iteration": 0, "results": [], "scheduler": self.config.scheduler}
            try:
                self.trainable(config)
            except _Stop:
                pass
            LOG.append({"config": config, "epochs": _current["iteration"]})
            trials.append(_current)
        print("TUNER " + json.dumps([{"config": t["config"], "epochs": t["iteration"]} for t in trials]))
        return _Grid(trials)
`,
  'auto_vp/__init__.py': '',
  'auto_vp/const.py': 'CLASS_NUMBER = {}\nIMG_SIZE = {}\n',
  'auto_vp/imagenet1000_classname.py': 'IMGNET_CLASSNAME = {i: "class %d" % i for i in range(1000)}\n',
  'auto_vp/load_model.py': `"""Stand-in for auto_vp.load_model: the reference's interface on a tiny frozen network."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from auto_vp.const import CLASS_NUMBER, IMG_SIZE

CALLS = {"freq": 0, "semantic": 0, "clip_text": 0}


class _Resize(nn.Module):
    def __init__(self, scale):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(scale))


class _Mapping(nn.Module):
    def __init__(self, method, num_source, num_target, k):
        super().__init__()
        self.mapping_method, self.k, self.num_target = method, k, num_target
        self.layers = nn.Linear(num_source, num_target)
        self.self_definded_map = None

    def Frequency_mapping(self, model, loader, device, wild_dataset=False):
        CALLS["freq"] += 1
        self.self_definded_map = [list(range(t * self.k, (t + 1) * self.k)) for t in range(self.num_target)]

    def Semantic_mapping(self, source_labels, target_labels, show_map=True):
        CALLS["semantic"] += 1
        self.self_definded_map = [list(range(t * self.k, (t + 1) * self.k)) for t in range(self.num_target)]

    def forward(self, x):
        if self.mapping_method == "fully_connected_layer_mapping":
            return self.layers(x)
        assert self.self_definded_map is not None, "no mapping exist"
        return torch.stack([x[:, m].mean(1) for m in self.self_definded_map], 1)


class _Net(nn.Module):
    def __init__(self, clip):
        super().__init__()
        self.fc = nn.Linear(3 * 8 * 8, 1000)
        if clip:
            self.logit_scale = nn.Parameter(torch.tensor(4.0))

    def forward(self, x):
        return self.fc(F.adaptive_avg_pool2d(x, 8).flatten(1))


class _Wrapper(nn.Module):
    def __init__(self, name, mapping, resize, img_size):
        super().__init__()
        self.model_name, self.img_size = name, img_size
        self.model = _Net(name[0:4] == "clip").requires_grad_(False).eval()
        self.delta = nn.Parameter(torch.zeros(3, 224, 224))
        self.output_mapping = mapping
        self.no_trainable_resize = 0 if resize is not None else 1
        self.train_resize = resize if resize is not None else nn.Identity()

    def CLIP_Text_Embedding(self, class_names, template_number):
        CALLS["clip_text"] += 1

    def forward(self, x):
        x = F.interpolate(x, size=(self.img_size, self.img_size), mode="bilinear", align_corners=False)
        if self.no_trainable_resize == 0:
            x = x * self.train_resize.scale
        pad = (224 - self.img_size) // 2
        x = F.pad(x, (pad, 224 - self.img_size - pad, pad, 224 - self.img_size - pad)) + torch.sigmoid(self.delta)
        return self.output_mapping(self.model(x))


def Load_Reprogramming_Model(dataset, device, file_path=None, mapping_method="frequency_based_mapping", set_train_resize=True, pretrained_model="resnet18", mapping=None, scale=1.0, num_map=1, weightinit=True):
    assert file_path is None and mapping is None and isinstance(scale, float)
    assert mapping_method in ("fully_connected_layer_mapping", "semantic_mapping", "frequency_based_mapping")
    assert pretrained_model in ("resnet18", "clip") and isinstance(set_train_resize, bool) and num_map >= 1
    classes, img = CLASS_NUMBER[dataset], IMG_SIZE[dataset]
    img_size = img if set_train_resize else min(int(img * scale), 224)
    mapping = _Mapping(mapping_method, 1000, classes, num_map)
    return _Wrapper(pretrained_model, mapping, _Resize(scale) if set_train_resize else None, img_size).to(device)
`,
};

const hasTorch =
  existsSync(python) &&
  spawnSync(python, ['-c', 'import torch, torchvision, PIL, numpy'], { encoding: 'utf8' }).status === 0;

describe('the exported Ray Tune job', () => {
  it.skipIf(!hasTorch)(
    'runs end to end (Ray Tune and auto_vp stood in for): both stages, ASHA stops, final test',
    () => {
      const dir = mkdtempSync(join(workdir, 'run-'));
      for (const [path, text] of Object.entries(STUBS)) {
        mkdirSync(join(dir, 'stubs', dirname(path)), { recursive: true });
        writeFileSync(join(dir, 'stubs', path), text);
      }
      // A tiny image folder: 2 classes, 12 training and 4 test images each.
      const make = spawnSync(
        python,
        [
          '-c',
          `import os
from PIL import Image
for split, n in (("train", 12), ("test", 4)):
    for c, colour in (("dark", 30), ("light", 220)):
        os.makedirs(f"data/{split}/{c}", exist_ok=True)
        for i in range(n):
            Image.new("RGB", (16, 16), (colour + i, colour, colour)).save(f"data/{split}/{c}/{i}.png")`,
        ],
        { cwd: dir, encoding: 'utf8' },
      );
      expect(make.stderr).toBe('');
      const script = rayTuneScript(
        exportOf({
          state: {
            ...exportOf().state,
            space: {
              ...autovpSpace(['img', 'clip-like']),
              mappings: ['fully', 'freq', 'iter'],
              scales: [1, 1.5],
              trainableResize: [false, true],
              ks: [1],
            },
            asha: { maxEpochs: 2, gracePeriod: 1, reductionFactor: 2 },
            tuning: { learningRates: [0.01, 0.001], weightDecays: [0] },
          },
          dataset: { id: 'shades', name: 'Shades', classes: ['dark', 'light'] },
          models: [
            { id: 'img', name: 'An image model', textImage: false },
            { id: 'clip-like', name: 'A CLIP-like model', textImage: true },
          ],
          baseDesign: { ...DEFAULT_DESIGN, learningRate: 0.01, batchSize: 8 },
          finalEpochs: 2,
        }),
      )
        .replace('TRAIN_IMAGES = None', 'TRAIN_IMAGES = 20')
        .replace('TRIAL_TRAIN_IMAGES = None', 'TRIAL_TRAIN_IMAGES = 12')
        .replace('num_workers=2', 'num_workers=0'); // no loader processes for 16 images
      writeFileSync(join(dir, 'job.py'), script);
      const r = spawnSync(python, ['job.py', '--data-dir', 'data', '--gpus-per-trial', '0', '--cpus-per-trial', '1'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PYTHONPATH: join(dir, 'stubs'), OMP_NUM_THREADS: '1' },
        timeout: 240_000,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('The winner trained on 20 images');
      const tuners = r.stdout
        .split('\n')
        .filter((l) => l.startsWith('TUNER '))
        .map(
          (l) =>
            JSON.parse(l.slice(6)) as {
              config: { trial: Record<string, unknown>; lr: number | null; weight_decay: number };
              epochs: number;
            }[],
        );
      expect(tuners).toHaveLength(2);
      const [stage1, stage2] = tuners as [(typeof tuners)[number], (typeof tuners)[number]];
      // 2 models × (FullyMap + FreqMap + IterMap) × 2 scales × resize on/off.
      expect(stage1).toHaveLength(24);
      expect(stage1.every((t) => t.config.lr === null && t.epochs >= 1 && t.epochs <= 2)).toBe(true);
      expect(stage1.some((t) => t.epochs === 1)).toBe(true); // ASHA stopped someone at the rung
      expect(new Set(stage1.map((t) => t.config.trial['pretrained_model']))).toEqual(new Set(['resnet18', 'clip']));
      // Stage 2: the winner under every learning rate (CLIP's own if CLIP won) × weight decay.
      const winner = stage2[0]!.config.trial;
      expect(stage2.every((t) => JSON.stringify(t.config.trial) === JSON.stringify(winner))).toBe(true);
      expect(stage2.map((t) => t.config.lr)).toEqual(
        winner['pretrained_model'] === 'clip' ? [35, 40, 45] : [0.01, 0.001],
      );
      expect(r.stdout).toMatch(/Training the winner for 2 epochs/);
      expect(r.stdout).toMatch(/Test accuracy of the winner: [01]\.\d{4} \(8 images\)/);
      expect(readFileSync(join(dir, 'autovp_stage1.csv'), 'utf8').trim().split('\n')).toHaveLength(25);
    },
  );
});
