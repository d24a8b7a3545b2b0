import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../config';
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
    expect(Object.keys(configs[0]!)).toEqual(['pretrained_model', 'mapping_method', 'num_map', 'freqmap_interval', 'scale', 'set_train_resize']);
    expect(configs.filter((c) => c['mapping_method'] === 'frequency_based_mapping' && c['freqmap_interval'] === 1)).toHaveLength(18);
    expect(configs.filter((c) => c['mapping_method'] === 'fully_connected_layer_mapping').every((c) => c['num_map'] === null)).toBe(true);
    expect(script).toContain('PRETRAINED = ["resnet18"]');
    expect(script).toMatch(/MobileNetV2 \(nsfwjs-mobilenet-v2\): not in AutoVP's model zoo; searched as "resnet18"/);
  });

  it('sets up ASHA, the validation metric, stage 2 and the final test with the search settings', () => {
    const script = rayTuneScript(exportOf());
    expect(script).toMatch(/ASHAScheduler\(\s*time_attr="training_iteration",\s*metric="val_acc",\s*mode="max",\s*max_t=MAX_T,\s*grace_period=GRACE_PERIOD,\s*reduction_factor=REDUCTION_FACTOR,\s*\)/);
    expect(script).toContain(`MAX_T = ${DEFAULT_ASHA.maxEpochs}\nGRACE_PERIOD = ${DEFAULT_ASHA.gracePeriod}\nREDUCTION_FACTOR = ${DEFAULT_ASHA.reductionFactor}`);
    expect(script).toContain('LR_GRID = [0.01, 0.001, 0.0001]');
    expect(script).toContain('WEIGHT_DECAY_GRID = [0.0, 0.00001, 1e-10]');
    expect(script).toContain('from auto_vp.load_model import Load_Reprogramming_Model');
    expect(script).toContain('git clone https://github.com/IBM/AutoVP.git');
    expect(script).toContain('DATASET_SOURCE = "mnist"');
    expect(script).toContain('FINAL_EPOCHS = 3');
    expect(script).toMatch(/tune\.grid_search\(configs\)/);
  });

  it('narrows with the search, leaves SemanticMap out for CLIP and one-to-one mappings that do not fit', () => {
    const narrow = exportOf({
      state: {
        ...exportOf().state,
        space: { ...autovpSpace(['clip-like', 'img']), mappings: ['semantic', 'freq'], scales: [1], trainableResize: [false], ks: [1, 10] },
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
    expect(trials.map((t) => t.id).sort()).toEqual(['clip/freq/k1/s1/fixed', 'clip/freq/k10/s1/fixed', 'resnet18/freq/k1/s1/fixed', 'resnet18/semantic/k1/s1/fixed']);
    expect(excluded.map((e) => e.id).sort()).toEqual(['clip/semantic/k1/s1/fixed', 'clip/semantic/k10/s1/fixed', 'resnet18/freq/k10/s1/fixed', 'resnet18/semantic/k10/s1/fixed']);
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
