/**
 * Plain words for how a dataset's images are split and what a run takes from each part, so a
 * small dataset (say an imported folder of 5 images per class) says exactly how many images of
 * every class train, validate and test, and what to do when that is too few.
 * The counts are core's own (splitCounts.ts, splits.ts): what a run will take.
 */
import { splitClass } from '../../core/data/splitCounts';
import { evenQuota } from '../../core/data/splits';

export interface SplitInput {
  classes: readonly string[];
  /** Images per class of the training pool (the whole dataset when it has no test split). */
  countsByClass: readonly number[];
  /** Size of the dataset's own test split; 0 = none (then test comes out of the pool). */
  testCount: number;
  valFraction: number;
  /** Test share carved out of the pool (datasets without their own test split). */
  testFraction?: number;
  trainImages: number;
  valImages: number;
  testImages: number;
  /** Keep 1/r of every class of the training pool. */
  fraction: number;
}

export interface SplitExplanation {
  /** How every class is split: "Each class has 5 images: 3 go to training, 1 to validation and 1 to test." */
  perClass: string;
  /** What a run with the chosen image counts uses. */
  run: string;
  /** Too few images somewhere, each with what to do about it. */
  problems: string[];
}

/**
 * What stratifiedSample({ total }) draws per class from caps[c] available: the total spread as
 * evenly as the classes allow. The last few single images go to classes picked by the seed, so
 * a class gets between min and max.
 */
export function spread(total: number, caps: readonly number[]): { total: number; min: number; max: number } {
  const { quota, leftover, open } = evenQuota(caps, Math.max(0, Math.floor(total)));
  const taken = quota.reduce((a, b) => a + b, 0) + leftover;
  const extra = new Set(leftover > 0 ? open : []);
  const max = Math.max(0, ...quota.map((q, c) => q + (extra.has(c) ? 1 : 0)));
  return { total: taken, min: quota.length ? Math.min(...quota) : 0, max };
}

const fmt = (n: number) => n.toLocaleString('en-US');
const range = (lo: number, hi: number) => (lo === hi ? fmt(lo) : `${fmt(lo)}–${fmt(hi)}`);
const images = (n: number) => `${fmt(n)} image${n === 1 ? '' : 's'}`;
const names = (xs: string[]) => {
  const q = xs.slice(0, 3).map((x) => `“${x}”`);
  if (xs.length > 3) q.push(`${xs.length - 3} more`);
  return q.length > 1 ? `${q.slice(0, -1).join(', ')} and ${q[q.length - 1]}` : q[0]!;
};
const minMax = (xs: readonly number[]) => [Math.min(...xs), Math.max(...xs)] as const;
const perClassOf = (s: { min: number; max: number }) => `${range(s.min, s.max)} per class`;
/** The fewest images a class needs for round(n·share) to give it one. */
const needed = (share: number) => Math.max(2, Math.ceil(0.5 / share - 1e-9));
const pct = (f: number) => `${Math.round(f * 100)}%`;

/** Below this many validation images, one image moves the accuracy by more than 5 points. */
const ROUGH_VALIDATION = 20;

export function explainSplit(input: SplitInput): SplitExplanation {
  const { classes, countsByClass: counts } = input;
  const testGiven = input.testCount > 0;
  const testShare = testGiven ? 0 : (input.testFraction ?? 0);
  const parts = counts.map((n) => splitClass(n, input.valFraction, testShare));
  const r = Math.max(1, input.fraction);
  const pool = parts.map((p) => (r > 1 && p.train > 0 ? Math.max(1, Math.round(p.train / r)) : p.train));
  const hasTest = testGiven || testShare > 0;

  // How each class is split.
  const [nLo, nHi] = minMax(counts);
  const [tLo, tHi] = minMax(parts.map((p) => p.train));
  const [vLo, vHi] = minMax(parts.map((p) => p.val));
  const [sLo, sHi] = minMax(parts.map((p) => p.test));
  const testPart = testGiven
    ? `; test images come from the dataset’s own test split (${images(input.testCount)})`
    : testShare > 0
      ? ` and ${range(sLo, sHi)} to test`
      : '; no test images (the test share is 0)';
  const perClass =
    nLo === nHi
      ? `Each class has ${images(nLo)}: ${fmt(tLo)} go${tLo === 1 ? 'es' : ''} to training, ${fmt(vLo)} to validation${testPart}.`
      : `Per class (${range(nLo, nHi)} images): ${range(tLo, tHi)} go to training, ${range(vLo, vHi)} to validation${testPart}.`;

  // What a run takes.
  const train = spread(input.trainImages, pool);
  const val = spread(input.valImages, parts.map((p) => p.val));
  const test = testGiven
    ? { total: Math.min(input.testImages, input.testCount), min: 0, max: 0 }
    : spread(input.testImages, parts.map((p) => p.test));
  const runParts = [
    `trains on ${images(train.total)}${train.total ? ` (${perClassOf(train)})` : ''}`,
    `validates on ${fmt(val.total)}${val.total ? ` (${perClassOf(val)})` : ''}`,
    hasTest ? `tests on ${fmt(test.total)}${!testGiven && test.total ? ` (${perClassOf(test)})` : ''}` : 'has no test images',
  ];
  const short = [
    train.total < input.trainImages ? `${fmt(input.trainImages)} training` : '',
    val.total < input.valImages ? `${fmt(input.valImages)} validation` : '',
    hasTest && test.total < input.testImages ? `${fmt(input.testImages)} test` : '',
  ].filter(Boolean);
  const shortText = short.length
    ? ` That is all there is: fewer than the ${short.length > 1 ? `${short.slice(0, -1).join(', ')} and ${short[short.length - 1]}` : short[0]} images asked.`
    : '';
  const run = `${r > 1 ? `Keeping 1/${fmt(r)} of the training pool, a run` : 'A run'} ${runParts[0]}, ${runParts[1]} and ${runParts[2]}.${shortText}`;

  // What is too few, and what to do.
  const problems: string[] = [];
  const noVal = classes.filter((_, c) => parts[c]!.val === 0);
  if (noVal.length > 0) {
    problems.push(
      `${names(noVal)} ${noVal.length === 1 ? 'gets' : 'get'} no validation image, so the validation accuracy leaves ${noVal.length === 1 ? 'it' : 'them'} out. ` +
        `At a ${pct(input.valFraction)} validation share a class needs at least ${needed(input.valFraction)} images for one: add images to ${noVal.length === 1 ? 'it' : 'them'}, or raise the validation share.`,
    );
  }
  const noTest = testShare > 0 ? classes.filter((_, c) => parts[c]!.test === 0) : [];
  if (noTest.length > 0) {
    problems.push(
      `${names(noTest)} ${noTest.length === 1 ? 'gets' : 'get'} no test image. At a ${pct(testShare)} test share a class needs at least ${needed(testShare)} images for one: ` +
        `add images, or raise the test share.`,
    );
  }
  if (val.total > 0 && val.total < classes.length && noVal.length === 0) {
    problems.push(
      `${fmt(val.total)} validation images for ${fmt(classes.length)} classes: some classes are not validated. Use at least ${fmt(classes.length)} validation images.`,
    );
  }
  if (val.total > 0 && val.total < ROUGH_VALIDATION) {
    problems.push(
      `Validation has only ${images(val.total)}: one image moves the accuracy by ${Math.round(100 / val.total)} points, so read it as a rough guide. ` +
        `More images per class give steadier numbers.`,
    );
  }
  if (val.total === 0) {
    problems.push('No class has a validation image: the run cannot measure its accuracy. Add images (at least 2 per class), or raise the validation share.');
  }
  return { perClass, run, problems };
}
