import { describe, expect, it } from 'vitest';
import { benchmarkMarkdown, type BenchmarkRun, stat, summarise } from './benchmarkTable';
import { paperTaskOf, publishedFor } from './paperTasks';

const run = (over: Partial<BenchmarkRun>): BenchmarkRun => ({
  task: 'eurosat',
  method: 'fully',
  seed: 1,
  classes: 10,
  validation: 0.5,
  test: 0.5,
  lpTest: 0.6,
  lpFlattenedTest: null,
  seconds: 10,
  ...over,
});

describe('benchmark table', () => {
  it('gives mean and sample standard deviation in percent', () => {
    // 0.80, 0.90, 1.00 → 90 ± 10 (n − 1 in the denominator)
    expect(stat([0.8, 0.9, 1.0])).toEqual({ mean: 90, sd: expect.closeTo(10, 10) as number, n: 3 });
    expect(stat([0.25])).toEqual({ mean: 25, sd: 0, n: 1 });
    expect(stat([null, NaN])).toBeNull();
  });

  it('finds the paper task of a folder by name or alias, and its published numbers', () => {
    expect(paperTaskOf('EuroSAT')?.id).toBe('eurosat');
    expect(paperTaskOf('oxford_pets')?.id).toBe('oxfordiiitpet');
    expect(paperTaskOf('CIFAR-10')?.id).toBe('cifar10');
    expect(paperTaskOf('cifar100')?.id).toBe('cifar100');
    expect(paperTaskOf('my-shapes')).toBeUndefined();
    expect(publishedFor('eurosat')).toEqual([
      { method: 'AutoVP', accuracy: 93.0 },
      { method: 'ILM-VP', accuracy: 85.2 },
      { method: 'SMM', accuracy: 92.2, spread: 0.2 },
    ]);
    // ISIC is in AutoVP's table but not in SMM's.
    expect(publishedFor('isic').map((p) => p.method)).toEqual(['AutoVP', 'ILM-VP']);
  });

  it('summarises seeds per task and method, keeps failures, and says where VP loses to LP', () => {
    const runs = [
      run({ seed: 1, validation: 0.7, test: 0.6 }),
      run({ seed: 2, validation: 0.9, test: 0.8 }),
      run({ method: 'iter', seed: 1, validation: 0.4, test: 0.3 }),
      run({ method: 'iter', seed: 2, validation: null, test: null, error: 'out of memory', classes: 0 }),
      run({ task: 'shapes', seed: 1, classes: 4, validation: 0.9, test: 0.9, lpTest: 0.5 }),
    ];
    const rows = summarise(
      runs,
      [
        { id: 'eurosat', paperTask: 'eurosat' },
        { id: 'shapes', paperTask: null },
      ],
      [
        { id: 'fully', name: 'FullyMap' },
        { id: 'iter', name: 'IterMap' },
      ],
    );
    expect(rows.map((r) => [r.task, r.method])).toEqual([
      ['eurosat', 'fully'],
      ['eurosat', 'iter'],
      ['shapes', 'fully'],
    ]);
    const [fully, iter, shapes] = rows;
    expect(fully?.test?.mean).toBeCloseTo(70, 10);
    expect(fully?.chance).toBe(10);
    expect(iter?.test).toEqual({ mean: 30, sd: 0, n: 1 });
    expect(iter?.errors).toEqual(['seed 2: out of memory']);
    expect(shapes?.chance).toBe(25);
    expect(shapes?.published).toEqual([]);

    const md = benchmarkMarkdown(rows, 'Context line.');
    expect(md).toContain(
      '| task | method | VP validation | VP test | LP test (pooled) | LP test (flattened) | chance | AutoVP (paper) | ILM-VP (paper) | SMM (paper) | train s/run | runs |',
    );
    expect(md).toContain(
      '| eurosat | FullyMap | 80.0 ± 14.1 | 70.0 ± 14.1 | 60.0 ± 0.0 | – | 10.0 | 93.0 | 85.2 | 92.2 ± 0.2 | 10 | 2/2 |',
    );
    expect(md).toContain(
      '| eurosat | IterMap | 40.0 | 30.0 | 60.0 | – | 10.0 | 93.0 | 85.2 | 92.2 ± 0.2 | 10 | 1/2 (1 failed: seed 2: out of memory) |',
    );
    expect(md).toContain(
      '- eurosat: best by validation is FullyMap, test 70.0; 10.0 points above linear probing (60.0).',
    );
    expect(md).toContain(
      '- shapes: best by validation is FullyMap, test 90.0; 40.0 points above linear probing (50.0).',
    );
    const losing = benchmarkMarkdown(
      summarise(
        [run({ test: 0.4, lpTest: 0.9 })],
        [{ id: 'eurosat', paperTask: 'eurosat' }],
        [{ id: 'fully', name: 'FullyMap' }],
      ),
      '',
    );
    expect(losing).toContain('visual prompting loses to linear probing by 50.0 points (90.0)');
  });
});
