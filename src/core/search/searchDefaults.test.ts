import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MODELS, sourceClassCount } from '../../../models';
import { DEFAULT_DESIGN } from '../design/schema';
import { DEFAULT_SEARCH, leftOutByDefault } from './searchDefaults';
import { planSearch } from './searchPlan';
import { autovpSpace } from './space';

const infos = MODELS.map((m) => ({ id: m.id, numSource: sourceClassCount(m), textImage: m.textImage === true }));
const defaultSpace = (models: string[]) => ({ ...autovpSpace(models), ...DEFAULT_SEARCH });

describe('the default search', () => {
  it('runs on the default model: FullyMap × 2 scales × resize on/off = 4 trials, none left out', () => {
    expect(MODELS[0]!.id).toBe('darknet-tiny');
    const plan = planSearch(defaultSpace(['darknet-tiny']), infos, 10);
    expect(plan.trials.map((t) => t.id).sort()).toEqual([
      'darknet-tiny/fully/s1.5/fixed',
      'darknet-tiny/fully/s1.5/resize',
      'darknet-tiny/fully/s1/fixed',
      'darknet-tiny/fully/s1/resize',
    ]);
    expect(plan.excluded).toEqual([]);
    expect(plan.modelSwitch).toBeNull();
  });

  it('trains the winner like the default run, on its images, so the two compare', () => {
    expect(DEFAULT_SEARCH.finalEpochs).toBe(DEFAULT_DESIGN.epochs);
    // The app's default run (designSlice's DEFAULT_DATA; read as text: the store needs Vite's types).
    const slice = readFileSync(new URL('../../app/store/designSlice.ts', import.meta.url), 'utf8');
    const count = (key: string) => Number(new RegExp(`DEFAULT_DATA[^\\n]*\\b${key}: (\\d+)`).exec(slice)?.[1]);
    expect(DEFAULT_SEARCH.images).toEqual({
      train: count('trainImages'),
      validation: count('valImages'),
      test: count('testImages'),
    });
    expect(DEFAULT_SEARCH.trialTrainImages).toBeLessThan(DEFAULT_SEARCH.images.train);
    expect(DEFAULT_SEARCH.budgetMinutes).toBeGreaterThan(0);
  });

  it('names the mapping families it leaves out, with the reason', () => {
    const out = leftOutByDefault();
    expect(out.families).toEqual(expect.arrayContaining(['freq', 'iter', 'semantic']));
    expect(out.families).not.toContain('fully');
    expect(out.reason).toMatch(/FullyMap beat every other label mapping measured/);
  });
});

describe('planSearch', () => {
  const all = {
    ...autovpSpace(['nsfwjs-mobilenet-v2']),
    mappings: ['fully' as const, 'semantic' as const, 'freq' as const, 'iter' as const],
    scales: [1],
    trainableResize: [false],
  };

  it('counts trials and explains each exclusion: one-to-one mappings need classes × k source labels', () => {
    // 5 outputs: FullyMap runs; SemanticMap, FreqMap and IterMap at k = 1, 5, 10 need 10, 50, 100.
    const plan = planSearch(all, infos, 10);
    expect(plan.trials.map((t) => t.id)).toEqual(['nsfwjs-mobilenet-v2/fully/s1/fixed']);
    expect(plan.excluded).toHaveLength(9);
    expect(plan.excluded.find((e) => e.id === 'nsfwjs-mobilenet-v2/freq/k5/s1/fixed')?.reason).toMatch(
      /needs 10 target classes × k=5 = 50 distinct source labels, but the model has only 5/,
    );
  });

  it('offers the model that lets them run (one click: search it instead)', () => {
    const plan = planSearch(all, infos, 10);
    expect(plan.modelSwitch).not.toBeNull();
    const target = infos.find((m) => m.id === plan.modelSwitch!.modelId)!;
    expect(target.numSource).toBeGreaterThanOrEqual(100);
    expect(plan.modelSwitch!.trials).toBe(10);
  });
});
