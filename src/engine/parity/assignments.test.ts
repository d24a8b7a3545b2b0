import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countMatrix, freqAssignment } from '../mapping/assignments';
import { IndexMapping } from '../mapping/labelMapping';
import { Rng } from '../../core/util/rng';
import { joinPath, readExchange, removeDir, runPython, type Tensor, tempDir, torchUnavailable, writeExchange } from '../../../test/support/parity/support';

/**
 * FreqMap / IterMap assignments: the engine's countMatrix + freqAssignment against the
 * reference AutoVP procedure (python/autovp/freqmap.py, after IBM/AutoVP's
 * Frequency_mapping_define) on identical predictions and count matrices, with many ties and
 * many zero counts, and k ∈ {1, 5, 10}.
 */

interface Case {
  name: string;
  numSource: number;
  numTarget: number;
  k: number;
  /** predictions: random top-1 predictions and labels; counts: a given count matrix. */
  source: 'predictions' | 'counts';
  preds?: Int32Array;
  labels?: Int32Array;
  counts?: Float32Array;
}

function predictionsCase(name: string, numSource: number, numTarget: number, k: number, n: number, seed: number, activeSources: number): Case {
  const rng = new Rng(seed);
  // Predictions concentrated on a few sources: many equal counts, and most entries zero, so the
  // assignment runs on through the zero counts.
  const pool = rng.shuffle(Array.from({ length: numSource }, (_, i) => i)).slice(0, activeSources);
  const preds = Int32Array.from({ length: n }, () => pool[rng.int(pool.length)] as number);
  const labels = Int32Array.from({ length: n }, () => rng.int(numTarget));
  return { name, numSource, numTarget, k, source: 'predictions', preds, labels };
}

function countsCase(name: string, numSource: number, numTarget: number, k: number, seed: number, maxCount: number, zeroShare: number): Case {
  const rng = new Rng(seed);
  const counts = Float32Array.from({ length: numSource * numTarget }, () => (rng.next() < zeroShare ? 0 : rng.int(maxCount + 1)));
  return { name, numSource, numTarget, k, source: 'counts', counts };
}

const CASES: Case[] = [
  // ImageNet-sized source, 10 targets, the search's k values.
  ...[1, 5, 10].map((k, i) => predictionsCase(`imagenet_T10_k${k}`, 1000, 10, k, 500, 11 + i, 40)),
  ...[1, 5, 10].map((k, i) => predictionsCase(`imagenet_T100_k${k}`, 1000, 100, k, 2000, 21 + i, 300)),
  ...[1, 5, 10].map((k, i) => countsCase(`ties_S200_T10_k${k}`, 200, 10, k, 31 + i, 2, 0.6)),
  ...[1, 5, 10].map((k, i) => countsCase(`ties_S100_T10_k${k}`, 100, 10, k, 41 + i, 1, 0.8)),
  // Tight capacity: T·k = S.
  countsCase('tight_S50_T5_k10', 50, 5, 10, 51, 3, 0.3),
  countsCase('tight_S10_T10_k1', 10, 10, 1, 52, 2, 0.2),
  // Everything tied (all zero) and a single non-zero count.
  countsCase('zeros_S30_T3_k5', 30, 3, 5, 53, 0, 1),
  predictionsCase('one_source_S40_T4_k5', 40, 4, 5, 64, 61, 1),
  // The nsfwjs head: 5 sources.
  predictionsCase('nsfwjs_S5_T5_k1', 5, 5, 1, 30, 71, 3),
];

const SCHEDULES = [
  { kind: 'freq', interval: 1, epochs: 8 },
  ...[1, 2, 3, 5].map((interval) => ({ kind: 'iter', interval, epochs: 12 })),
];

const unavailable = torchUnavailable();

describe.skipIf(unavailable !== null)(`FreqMap / IterMap against the reference${unavailable ? ` — SKIPPED: ${unavailable}` : ''}`, () => {
  let dir = '';
  let reference: Record<string, Tensor> = {};
  let schedules: { kind: string; interval: number; epochs: number; epochs_updated: number[] }[] = [];

  beforeAll(() => {
    dir = tempDir('assign');
    const tensors: Record<string, Tensor> = {};
    for (const c of CASES) {
      if (c.source === 'predictions') {
        tensors[`${c.name}/preds`] = { data: c.preds as Int32Array, shape: [(c.preds as Int32Array).length] };
        tensors[`${c.name}/labels`] = { data: c.labels as Int32Array, shape: [(c.labels as Int32Array).length] };
      } else {
        tensors[`${c.name}/counts`] = { data: c.counts as Float32Array, shape: [c.numSource, c.numTarget] };
      }
    }
    writeExchange(joinPath(dir, 'in'), tensors, {
      cases: CASES.map((c) => ({ name: c.name, num_source: c.numSource, num_target: c.numTarget, k: c.k, source: c.source })),
      schedules: SCHEDULES,
    });
    runPython('parity_assign.py', [dir]);
    const out = readExchange(joinPath(dir, 'out'));
    reference = out.tensors;
    schedules = out.meta.schedules as typeof schedules;
  });

  afterAll(() => {
    if (dir) removeDir(dir);
  });

  for (const c of CASES) {
    it(`${c.name}: same count matrix and the same assignment`, () => {
      const counts = c.source === 'predictions'
        ? countMatrix(c.preds as Int32Array, c.labels as Int32Array, c.numSource, c.numTarget)
        : Array.from({ length: c.numSource }, (_, s) => (c.counts as Float32Array).subarray(s * c.numTarget, (s + 1) * c.numTarget));
      const flatCounts = counts.flatMap((row) => Array.from(row));
      expect(flatCounts).toEqual(Array.from(reference[`${c.name}/counts`]?.data ?? []));
      const assignment = freqAssignment(counts, c.numTarget, c.k);
      const expected = reference[`${c.name}/assignment`] as Tensor;
      expect(expected.shape).toEqual([c.numTarget, c.k]);
      expect(assignment).toEqual(Array.from({ length: c.numTarget }, (_, t) => Array.from(expected.data.subarray(t * c.k, (t + 1) * c.k))));
      // Sanity of the case itself: it has ties among the counts that decide the assignment.
      expect(new Set(flatCounts).size).toBeLessThan(flatCounts.length);
    });
  }

  it('recomputes the mapping at the epochs the reference does (FreqMap once, IterMap every interval)', () => {
    expect(schedules).toHaveLength(SCHEDULES.length);
    for (const s of schedules) {
      const mapping = new IndexMapping(s.kind as 'freq' | 'iter', 10, 2, 1, s.interval);
      const epochs: number[] = [];
      for (let epoch = 0; epoch < s.epochs; epoch++) {
        if (mapping.needsFrequencyUpdate(epoch)) {
          epochs.push(epoch);
          // As the trainer does: the first update installs an assignment.
          if (epoch === 0) mapping.setAssignment([[0], [1]]);
        }
      }
      mapping.dispose();
      expect(epochs, `${s.kind} interval ${s.interval}`).toEqual(s.epochs_updated);
    }
  });
});
