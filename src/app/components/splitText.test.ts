import { describe, expect, it } from 'vitest';
import { stratifiedSample } from '../../core/data/splits';
import { explainSplit, spread } from './splitText';

const base = { valFraction: 0.1, testFraction: 0.2, trainImages: 32, valImages: 16, testImages: 16, fraction: 1, testCount: 0 };

describe('explainSplit', () => {
  it('an imported folder of 5 images per class: says what each class gives to train / validation / test', () => {
    const e = explainSplit({ ...base, classes: ['red', 'green', 'blue'], countsByClass: [5, 5, 5] });
    expect(e.perClass).toBe('Each class has 5 images: 3 go to training, 1 to validation and 1 to test.');
    expect(e.run).toBe(
      'A run trains on 9 images (3 per class), validates on 3 (1 per class) and tests on 3 (1 per class). ' +
        'That is all there is: fewer than the 32 training, 16 validation and 16 test images asked.',
    );
    expect(e.problems).toEqual([
      'Validation has only 3 images: one image moves the accuracy by 33 points, so read it as a rough guide. More images per class give steadier numbers.',
    ]);
  });

  it('names the classes too small for a validation or test image and says what to do', () => {
    const e = explainSplit({ ...base, classes: ['cat', 'dog', 'fox'], countsByClass: [3, 40, 4] });
    expect(e.perClass).toBe('Per class (3–40 images): 2–28 go to training, 0–4 to validation and 1–8 to test.');
    expect(e.problems[0]).toBe(
      '“cat” and “fox” get no validation image, so the validation accuracy leaves them out. At a 10% validation share a class needs at least 5 images for one: add images to them, or raise the validation share.',
    );
    expect(e.problems.some((p) => p.startsWith('“cat” gets no test image'))).toBe(false); // round(3·0.2) = 1
  });

  it('a dataset with its own test split, many images: short and without problems', () => {
    const e = explainSplit({
      ...base,
      testFraction: undefined,
      classes: ['0', '1'],
      countsByClass: [5923, 6742],
      testCount: 10000,
      trainImages: 500,
      valImages: 200,
      testImages: 500,
    });
    expect(e.perClass).toBe(
      'Per class (5,923–6,742 images): 5,331–6,068 go to training, 592–674 to validation; test images come from the dataset’s own test split (10,000 images).',
    );
    expect(e.run).toBe('A run trains on 500 images (250 per class), validates on 200 (100 per class) and tests on 500.');
    expect(e.problems).toEqual([]);
  });

  it('says when nothing can be validated, and when validation misses classes', () => {
    const none = explainSplit({ ...base, classes: ['a', 'b'], countsByClass: [1, 1] });
    expect(none.problems.at(-1)).toMatch(/^No class has a validation image/);
    const few = explainSplit({ ...base, classes: ['a', 'b', 'c', 'd'], countsByClass: [50, 50, 50, 50], valImages: 3 });
    expect(few.problems[0]).toBe('3 validation images for 4 classes: some classes are not validated. Use at least 4 validation images.');
  });

  it('mentions a 1/r pool and a missing test share', () => {
    const e = explainSplit({ ...base, testFraction: 0, fraction: 4, classes: ['a', 'b'], countsByClass: [100, 100], valImages: 10 });
    expect(e.perClass).toContain('no test images (the test share is 0)');
    expect(e.run).toBe('Keeping 1/4 of the training pool, a run trains on 32 images (16 per class), validates on 10 (5 per class) and has no test images.');
  });
});

describe('the counts match the sampling', () => {
  it('spread gives the totals and per-class range stratifiedSample draws', () => {
    let seed = 1;
    for (const caps of [[3, 3, 3], [1, 40, 4], [0, 2, 9, 9], [7], [100, 100, 1, 5, 5]])
      for (const total of [0, 1, 2, 5, 9, 16, 32, 500]) {
        const labels: number[] = caps.flatMap((n, c) => Array<number>(n).fill(c));
        const drawn = stratifiedSample(labels, { total }, seed++);
        const perClass = caps.map((_, c) => Array.from(drawn).filter((i) => labels[i] === c).length);
        const s = spread(total, caps);
        expect(s.total).toBe(drawn.length);
        expect(Math.min(...perClass)).toBeGreaterThanOrEqual(s.min);
        expect(Math.max(...perClass)).toBeLessThanOrEqual(s.max);
      }
  });
});
