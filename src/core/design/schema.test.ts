import { describe, expect, it } from 'vitest';
import { LABEL_MAPPINGS } from './kinds';
import { DEFAULT_DESIGN, DESIGN_PARAMS, designParam, searchValues } from './schema';
import { designProblems, paramProblem, parseParam } from './validate';

describe('the design schema', () => {
  it('has one row per design field, with distinct link keys and command-line flags', () => {
    expect(DESIGN_PARAMS.map((p) => p.key).sort()).toEqual(Object.keys(DEFAULT_DESIGN).sort());
    const urls = DESIGN_PARAMS.map((p) => p.url);
    expect(new Set(urls).size).toBe(urls.length);
    const flags = DESIGN_PARAMS.flatMap((p) => (p.cli ? [p.cli] : []));
    expect(new Set(flags).size).toBe(flags.length);
  });

  it('accepts its own defaults and search values', () => {
    expect(designProblems(DEFAULT_DESIGN)).toEqual([]);
    for (const p of DESIGN_PARAMS) {
      for (const v of [...searchValues(p.key), ...('tune' in p && p.tune ? p.tune : [])])
        expect(paramProblem(p, v), `${p.key} ${v}`).toBeNull();
    }
  });

  it('reads values from text and says what is wrong with bad ones', () => {
    expect(parseParam(designParam('learningRate'), '1e-3')).toEqual({ ok: true, value: 0.001 });
    expect(parseParam(designParam('inputScale'), '5.5')).toEqual({ ok: false, problem: 'must be at most 5' });
    expect(parseParam(designParam('epochs'), '2.5')).toEqual({ ok: false, problem: 'takes a whole number' });
    expect(parseParam(designParam('batchSize'), 'abc')).toEqual({ ok: false, problem: 'takes a number' });
    expect(parseParam(designParam('trainableResize'), '1')).toEqual({ ok: true, value: true });
    expect(parseParam(designParam('labelMapping'), 'telepathy')).toEqual({
      ok: false,
      problem: `must be one of ${LABEL_MAPPINGS.map((m) => m.id).join(', ')}`,
    });
  });

  it('lists every problem of a whole design, by name', () => {
    expect(designProblems({ ...DEFAULT_DESIGN, k: 0, prompt: 'circle', seed: -1 })).toEqual([
      'prompt must be one of pad, full, patch, lowrank, smm (got "circle")',
      'source labels per class (k) must be at least 1 (got 0)',
      'seed must be at least 0 (got -1)',
    ]);
    expect(designProblems(null)).toEqual(['the design is missing']);
  });
});
