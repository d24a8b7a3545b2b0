import { describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../design/schema';
import { createSearch, SearchController, type TrialExecutor } from './searchController';
import { enumerateTrials } from './space';
import type { SearchRecord } from './records';
import type { TrialRecord } from '../../worker/api/searchApi';
import { designSentence, explainSearch, mappingWords, searchCsv, searchJson, trialCountText } from './searchReport';

const space = {
  models: ['mv2', 'big'],
  mappings: ['fully' as const, 'freq' as const],
  scales: [0.5, 1],
  trainableResize: [false, true],
  ks: [1],
  intervals: [1],
};
const infos = [
  { id: 'mv2', numSource: 5, textImage: false },
  { id: 'big', numSource: 1000, textImage: false },
];

/** Synthetic accuracy of a trial: better with resize, with FullyMap, with the big model; rises per epoch. */
function accuracyOf(t: TrialRecord, epoch: number): number {
  const d = t.config.design;
  return (
    0.3 +
    (d.trainableResize ? 0.1 : 0) +
    (d.labelMapping === 'fully' ? 0.12 : 0) +
    (t.config.modelId === 'big' ? 0.05 : 0) +
    d.inputScale * 0.02 +
    epoch * 0.03
  );
}

async function finishedRecord(over: { budget?: number | null } = {}): Promise<SearchRecord> {
  const { trials, excluded } = enumerateTrials(space, infos, 10);
  const clock = { t: 0 };
  const state = createSearch({
    id: 's1',
    seed: 3,
    space,
    trials,
    asha: { maxEpochs: 4, gracePeriod: 1, reductionFactor: 2 },
    budgetSeconds: over.budget ?? null,
    tuning: { learningRates: [], weightDecays: [] },
    now: 0,
  });
  let current: TrialRecord | null = null;
  let epoch = 0;
  const executor: TrialExecutor = {
    async start(t) {
      current = t;
      epoch = 0;
    },
    async epoch() {
      clock.t += 10_000;
      epoch++;
      const acc = accuracyOf(current as TrialRecord, epoch);
      return { epoch, valAcc: acc, valLoss: 1 - acc, trainAcc: acc, trainLoss: 1 - acc, seconds: 10 };
    },
    async end() {},
  };
  await new SearchController(state, [executor], { onChange: () => {}, now: () => clock.t }).run();
  return {
    id: 's1',
    createdAt: 0,
    updatedAt: 0,
    setup: {
      datasetId: 'mnist',
      datasetName: 'MNIST digits',
      classes: Array.from({ length: 10 }, (_, i) => String(i)),
      data: { valFraction: 0.1, trainImages: 40, valImages: 40, testImages: 40, fraction: 1 },
      baseDesign: { ...DEFAULT_DESIGN, learningRate: 0.05 },
      models: {
        mv2: { name: 'MobileNetV2', inputSize: 224, textImage: false },
        big: { name: 'Darknet', inputSize: 224, textImage: false },
      },
      poolSize: 1,
      finalEpochs: 3,
      trainWinner: true,
    },
    state,
    excluded,
    learntScales: { 'big/fully/s1/resize': 1.12 },
    final: null,
  };
}

describe('search reports', () => {
  it('words a configuration', () => {
    expect(mappingWords({ labelMapping: 'iter', k: 5, interval: 1, inputScale: 1, trainableResize: false })).toBe(
      'IterMap k=5 (every epoch)',
    );
    expect(mappingWords({ labelMapping: 'freq', k: 10, interval: 1, inputScale: 1, trainableResize: false })).toBe(
      'FreqMap k=10',
    );
  });

  it('counts trials and says why the others are excluded', () => {
    const { trials, excluded } = enumerateTrials(space, infos, 10);
    // mv2 (5 source labels) cannot map 10 classes one-to-one.
    expect(trialCountText(trials.length, excluded)).toBe(
      '12 trials, 4 excluded: 4 need more source labels than the model has (one-to-one mapping).',
    );
    expect(trialCountText(1, [])).toBe('1 trial.');
  });

  it('explains the winner, the runner-up and the gap in plain words', async () => {
    const r = await finishedRecord();
    const [first, asha, noise] = explainSearch(r);
    expect(first).toBe(
      'The best design for MNIST digits, among 2 models, was Darknet: FullyMap on a 128-px image (scale ×1) with a trainable resize (learnt ×1.12). ' +
        'It reached 71.0% validation accuracy after 4 epochs, 1 point above the runner-up (FullyMap on a 64-px image (scale ×0.5) with a trainable resize: 70.0% after 4 epochs).',
    );
    expect(asha).toMatch(
      /^ASHA \(grace period 1, reduction factor 2, at most 4 epochs\) trained 12 of 12 configurations: \d+ ran to the maximum, \d+ were stopped by ASHA/,
    );
    expect(noise).toMatch(/ranked on 40 validation images held out of the training data \(one image is 2\.5 points/);
    expect(
      designSentence(
        r.state.trials.find((t) => t.config.id === 'mv2/fully/s0.5/fixed')!,
        r.setup,
      ),
    ).toBe('FullyMap on a 64-px image (scale ×0.5), fixed size');
  });

  it('says when the budget ended the search, and compares the final run with linear probing', async () => {
    const r = await finishedRecord({ budget: 115 });
    expect(r.state.status).toBe('out-of-time');
    r.final = {
      trialId: 'x',
      runId: 'r',
      epochs: 3,
      vp: { validation: 0.8, test: 0.75, parameters: 150_000 },
      lp: { validation: 0.7, test: 0.68, parameters: 12_810 },
      valCount: 40,
      testCount: 40,
      seconds: 60,
    };
    const text = explainSearch(r).join('\n');
    // The trial the budget interrupted is counted as such, not as ASHA's.
    expect(text).toMatch(/configurations: \d+ ran to the maximum(, \d+ were stopped by ASHA at a rung[^,]*)?, 1 was stopped by the time budget\./);
    expect(text).toMatch(
      /The time budget \(2 min\) ended the search: \d+ configurations never started, so this is the best of what ran/,
    );
    expect(text).toContain(
      'Trained for 3 epochs, the winner scored 75.0% on 40 test images; linear probing on the same images scored 68.0%, so the visual prompt is 7 points better',
    );
  });

  it('writes the leaderboard as CSV, best first, and the record as JSON', async () => {
    const r = await finishedRecord();
    const lines = searchCsv(r).trim().split('\n');
    expect(lines).toHaveLength(13);
    expect(lines[1]).toMatch(
      /^1,big\/fully\/s1\/resize,1,Darknet,fully,,,1,128,true,1.12,0.05,0,completed,4,0.71,0.29,0.71,0.29,40,$/,
    );
    const accs = lines.slice(1).map((l) => Number(l.split(',')[15] || -1));
    expect([...accs].sort((a, b) => b - a)).toEqual(accs);
    const json = JSON.parse(searchJson(r)) as { winner: string; leaderboard: string[]; explanation: string[] };
    expect(json.winner).toBe('big/fully/s1/resize');
    expect(json.leaderboard[0]).toBe(json.winner);
    expect(json.explanation.length).toBeGreaterThan(2);
  });
});
