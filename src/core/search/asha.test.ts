import { describe, expect, it } from 'vitest';
import { createAsha, percentile, reportResult } from './asha';
import { autovpSpace, enumerateTrials } from './space';

/** Run trials one after another on synthetic curves; returns the epochs each trial ran. */
function simulate(curves: Record<string, number[]>, options = { maxEpochs: 8, gracePeriod: 1, reductionFactor: 2 }) {
  const asha = createAsha(options);
  const ran: Record<string, number> = {};
  for (const [id, curve] of Object.entries(curves)) {
    for (let epoch = 1; epoch <= options.maxEpochs; epoch++) {
      ran[id] = epoch;
      if (reportResult(asha, id, epoch, curve[epoch - 1] as number) === 'stop') break;
    }
  }
  return { ran, asha };
}

describe('ASHA', () => {
  it('places rungs at grace·η^k below the maximum', () => {
    expect(createAsha({ maxEpochs: 8, gracePeriod: 1, reductionFactor: 2 }).milestones).toEqual([1, 2, 4]);
    expect(createAsha({ maxEpochs: 27, gracePeriod: 1, reductionFactor: 3 }).milestones).toEqual([1, 3, 9]);
    expect(createAsha({ maxEpochs: 5, gracePeriod: 2, reductionFactor: 2 }).milestones).toEqual([2, 4]);
    expect(() => createAsha({ maxEpochs: 2, gracePeriod: 3, reductionFactor: 2 })).toThrow(/grace period/);
  });

  it('percentile interpolates like numpy', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([0.2], 50)).toBe(0.2);
    expect(percentile([3, 1, 2], 100)).toBe(3);
  });

  it('promotes improving trials and stops the ones below the rung median (η = 2)', () => {
    const { ran, asha } = simulate({
      a: [0.5, 0.6, 0.7, 0.75, 0.8, 0.82, 0.84, 0.85], // first: always goes on
      b: [0.4, 0.5, 0.6, 0.7, 0.8, 0.8, 0.8, 0.8], // rung 1: below the median of {0.5, 0.4} → stop at 1
      c: [0.6, 0.65, 0.72, 0.8, 0.9, 0.9, 0.9, 0.9], // best at every rung: runs to the end
      d: [0.55, 0.55, 0.55, 0.55, 0.55, 0.55, 0.55, 0.55], // rung 1 {0.5,0.4,0.6,0.55}: median 0.525 → on; rung 2 {0.6,0.65,0.55}: median 0.6 → stop
    });
    expect(ran).toEqual({ a: 8, b: 1, c: 8, d: 2 });
    expect(asha.recorded[0]).toEqual({ a: 0.5, b: 0.4, c: 0.6, d: 0.55 });
    expect(asha.recorded[2]).toEqual({ a: 0.75, c: 0.8 });
  });

  it('is deterministic and its state is plain data (save, resume)', () => {
    const curves = { x: [0.3, 0.4, 0.5, 0.6], y: [0.35, 0.3, 0.3, 0.3], z: [0.1, 0.2, 0.3, 0.4] };
    const first = simulate(curves, { maxEpochs: 4, gracePeriod: 1, reductionFactor: 2 });
    const again = simulate(curves, { maxEpochs: 4, gracePeriod: 1, reductionFactor: 2 });
    expect(again.ran).toEqual(first.ran);
    expect(JSON.parse(JSON.stringify(first.asha))).toEqual(first.asha);
    expect(first.ran).toEqual({ x: 4, y: 2, z: 1 });
  });
});

describe('search space', () => {
  const models = [
    { id: 'rn', numSource: 1000, textImage: false },
    { id: 'clip', numSource: 810, textImage: true },
  ];

  it('has the reference counts (60 trials per image model, 42 for a text-image model) plus 6 each for BLM and BLM+', () => {
    const image = enumerateTrials(autovpSpace(['rn']), models, 10).trials;
    expect(image).toHaveLength(6 + 18 + 36 + 12);
    // BLM ignores k: one trial per scale × resize, named without k.
    expect(image.filter((t) => t.design.labelMapping === 'blm').map((t) => t.id)).toEqual([
      'rn/blm/s0.5/fixed', 'rn/blm/s0.5/resize', 'rn/blm/s1/fixed', 'rn/blm/s1/resize', 'rn/blm/s1.5/fixed', 'rn/blm/s1.5/resize',
    ]);
    const { trials, excluded } = enumerateTrials(autovpSpace(['clip']), models, 10);
    expect(trials).toHaveLength(42 + 12);
    expect(excluded.every((e) => /SemanticMap/.test(e.reason))).toBe(true);
  });

  it('sets apart one-to-one mappings the model cannot serve, with the reason', () => {
    const { trials, excluded } = enumerateTrials(autovpSpace(['rn']), models, 150);
    // 150 classes × k=10 needs 1500 > 1000 source labels.
    expect(trials.some((t) => t.design.k === 10 && t.design.labelMapping !== 'fully')).toBe(false);
    expect(excluded.length).toBe(6 * 3);
    expect(excluded[0]!.reason).toMatch(/1500 distinct source labels, but the model has only 1000/);
  });

  it('narrows every axis and gives readable unique ids', () => {
    const space = {
      ...autovpSpace(['rn']),
      mappings: ['freq' as const, 'iter' as const],
      scales: [1],
      trainableResize: [false],
      ks: [1, 5],
    };
    const { trials } = enumerateTrials(space, models, 10);
    expect(trials.map((t) => t.id)).toEqual([
      'rn/freq/k1/s1/fixed',
      'rn/freq/k5/s1/fixed',
      'rn/iter1/k1/s1/fixed',
      'rn/iter1/k5/s1/fixed',
    ]);
  });
});

describe('ASHA decisions beyond the basics', () => {
  it('with η = 3 keeps only the top third at a rung (synthetic curves, deterministic)', () => {
    const asha = createAsha({ maxEpochs: 9, gracePeriod: 1, reductionFactor: 3 });
    expect(asha.milestones).toEqual([1, 3]);
    // Rung 1 values arrive in this order; each is judged against the 66.7th percentile so far.
    const decisions = [0.5, 0.4, 0.6, 0.55, 0.3, 0.7].map((v, i) => reportResult(asha, `t${i}`, 1, v));
    // {0.5}: on; {0.5,0.4} p67≈0.467: 0.4 stops; {.5,.4,.6} p67≈0.533: 0.6 on; {.5,.4,.6,.55} p67=0.55: 0.55 on (not below);
    // {…,0.3} p67≈0.533: 0.3 stops; {…,0.7} p67≈0.567: 0.7 on.
    expect(decisions).toEqual(['continue', 'stop', 'continue', 'continue', 'stop', 'continue']);
  });

  it('does not judge a restarted trial again at a rung it already has (a resumed search)', () => {
    const asha = createAsha({ maxEpochs: 4, gracePeriod: 1, reductionFactor: 2 });
    reportResult(asha, 'a', 1, 0.9);
    reportResult(asha, 'b', 1, 0.8);
    // b restarts from epoch 1 after a reload and does worse this time: its rung-1 record stands.
    expect(reportResult(asha, 'b', 1, 0.1)).toBe('continue');
    expect(asha.recorded[0]).toEqual({ a: 0.9, b: 0.8 });
    // …and it is judged at the next rung as usual.
    reportResult(asha, 'a', 2, 0.9);
    expect(reportResult(asha, 'b', 2, 0.2)).toBe('stop');
    // Every trial stops at the maximum, whatever its metric.
    expect(reportResult(asha, 'a', 4, 1)).toBe('stop');
  });
});
