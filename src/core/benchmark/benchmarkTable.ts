/**
 * `autovp benchmark`'s results: runs (one task, method and seed each) summarised as mean ± sample
 * standard deviation over the seeds, beside linear probing, chance and the published numbers.
 */
import {
  PUBLISHED_METHODS,
  PUBLISHED_MODEL,
  PUBLISHED_SOURCES,
  publishedFor,
  type PublishedResult,
} from './paperTasks';

export interface BenchmarkRun {
  task: string;
  method: string;
  seed: number;
  classes: number;
  /** Accuracies in [0, 1]; null when the run failed. */
  validation: number | null;
  test: number | null;
  /** Linear probing on the same images: pooled penultimate features, and flattened (extra). */
  lpTest: number | null;
  lpFlattenedTest: number | null;
  seconds: number | null;
  error?: string;
}

export interface Stat {
  mean: number;
  sd: number;
  n: number;
}

export interface BenchmarkRow {
  task: string;
  /** The paper task this folder is, when it is one. */
  paperTask: string | null;
  method: string;
  methodName: string;
  validation: Stat | null;
  test: Stat | null;
  lpTest: Stat | null;
  lpFlattenedTest: Stat | null;
  /** 100 / classes (%); null when no run of the task got as far as reading its classes. */
  chance: number | null;
  seconds: number | null;
  runs: number;
  errors: string[];
  published: PublishedResult[];
}

/** Mean and sample standard deviation (n − 1) in percent; null for no values. */
export function stat(values: readonly (number | null)[]): Stat | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x)).map((x) => 100 * x);
  if (v.length === 0) return null;
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, sd, n: v.length };
}

export interface TaskInfo {
  id: string;
  paperTask: string | null;
}

export function summarise(
  runs: readonly BenchmarkRun[],
  tasks: readonly TaskInfo[],
  methods: readonly { id: string; name: string }[],
): BenchmarkRow[] {
  const rows: BenchmarkRow[] = [];
  for (const task of tasks) {
    const classes = Math.max(0, ...runs.filter((r) => r.task === task.id).map((r) => r.classes));
    for (const method of methods) {
      const rs = runs.filter((r) => r.task === task.id && r.method === method.id);
      if (rs.length === 0) continue;
      const ok = rs.filter((r) => !r.error);
      const seconds = ok.map((r) => r.seconds).filter((s): s is number => s !== null);
      rows.push({
        task: task.id,
        paperTask: task.paperTask,
        method: method.id,
        methodName: method.name,
        validation: stat(ok.map((r) => r.validation)),
        test: stat(ok.map((r) => r.test)),
        lpTest: stat(ok.map((r) => r.lpTest)),
        lpFlattenedTest: stat(ok.map((r) => r.lpFlattenedTest)),
        chance: classes > 0 ? 100 / classes : null,
        seconds: seconds.length ? seconds.reduce((a, b) => a + b, 0) / seconds.length : null,
        runs: rs.length,
        errors: rs.filter((r) => r.error).map((r) => `seed ${r.seed}: ${r.error}`),
        published: task.paperTask ? publishedFor(task.paperTask) : [],
      });
    }
  }
  return rows;
}

const show = (s: Stat | null): string =>
  s === null ? '–' : s.n > 1 ? `${s.mean.toFixed(1)} ± ${s.sd.toFixed(1)}` : s.mean.toFixed(1);
const showPublished = (p: PublishedResult | undefined): string =>
  p === undefined
    ? '–'
    : p.spread !== undefined
      ? `${p.accuracy.toFixed(1)} ± ${p.spread.toFixed(1)}`
      : p.accuracy.toFixed(1);

/** One sentence a task: the best method by validation accuracy, and how it compares with linear probing on test. */
export function verdicts(rows: readonly BenchmarkRow[]): string[] {
  const lines: string[] = [];
  for (const task of [...new Set(rows.map((r) => r.task))]) {
    const rs = rows.filter((r) => r.task === task && r.validation && r.test);
    const best = [...rs].sort((a, b) => (b.validation as Stat).mean - (a.validation as Stat).mean)[0];
    if (!best) continue;
    const lp = best.lpTest;
    const t = best.test as Stat;
    const against =
      lp === null
        ? 'no linear probe was run'
        : t.mean >= lp.mean
          ? `${(t.mean - lp.mean).toFixed(1)} points above linear probing (${lp.mean.toFixed(1)})`
          : `visual prompting loses to linear probing by ${(lp.mean - t.mean).toFixed(1)} points (${lp.mean.toFixed(1)})`;
    lines.push(`- ${task}: best by validation is ${best.methodName}, test ${t.mean.toFixed(1)}; ${against}.`);
  }
  return lines;
}

export function benchmarkMarkdown(rows: readonly BenchmarkRow[], context: string): string {
  const paper = rows.some((r) => r.published.length > 0);
  const head = [
    'task',
    'method',
    'VP validation',
    'VP test',
    'LP test (pooled)',
    'LP test (flattened)',
    'chance',
    ...(paper ? PUBLISHED_METHODS.map((m) => `${m} (paper)`) : []),
    'train s/run',
    'runs',
  ];
  const lines = [context, '', `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const published = paper ? PUBLISHED_METHODS.map((m) => showPublished(r.published.find((p) => p.method === m))) : [];
    const failed = r.errors.length ? ` (${r.errors.length} failed: ${r.errors[0]})` : '';
    lines.push(
      `| ${r.task} | ${r.methodName} | ${show(r.validation)} | ${show(r.test)} | ${show(r.lpTest)} | ${show(r.lpFlattenedTest)} | ${r.chance === null ? '–' : r.chance.toFixed(1)} | ${published.map((p) => `${p} | `).join('')}${r.seconds === null ? '–' : r.seconds.toFixed(0)} | ${r.runs - r.errors.length}/${r.runs}${failed} |`,
    );
  }
  lines.push('', ...verdicts(rows));
  if (paper) {
    lines.push(
      '',
      `Published numbers: test accuracy (%) with a ${PUBLISHED_MODEL} source model on the full datasets and the papers' own budgets, so they are a reference point, not a like-for-like comparison. ${PUBLISHED_METHODS.map((m) => `${m}: ${PUBLISHED_SOURCES[m]}`).join('; ')}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}
