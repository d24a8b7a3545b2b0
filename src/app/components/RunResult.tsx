import type { BaselineSummary, EvaluationSummary } from '../../worker/api/trainingApi';
import { duration, percent } from '../format';
import { useApp } from '../store';
import { ResultsTable } from './ResultsTable';
import { zeroShotVerdict } from './clip/clipText';

function Accuracy({ e, testId }: { e: EvaluationSummary | null | undefined; testId?: string }) {
  if (!e) return <td className="muted">–</td>;
  return (
    <td>
      <strong data-testid={testId}>{percent(e.accuracy)}</strong> <span className="muted">({e.count} images)</span>
    </td>
  );
}

const dim = (n: number) => `${n.toLocaleString('en-US')}-d`;

/** Row label of a linear probe: the baseline on pooled features, or the extra on flattened ones. */
function probeLabel(b: BaselineSummary): string {
  if (b.features === 'pooled') return `Linear probing on pooled features (${dim(b.featureDim)})`;
  if (b.features === 'flattened') return `Extra: linear probe on flattened conv features (${dim(b.featureDim)})`;
  return `Linear probing on ${dim(b.featureDim)} features`;
}

export function RunResult() {
  const summary = useApp((s) => s.run.summary);
  const dataset = useApp((s) => s.dataset);
  if (!summary || !dataset) return null;
  const chance = 1 / dataset.classes.length;
  const v = summary.validation;
  const b = summary.baseline;
  const zs = summary.zeroShot;
  // The prompt against zero-shot on the test images when there are any, else on validation.
  const versus = zs?.test && summary.test ? { prompt: summary.test.accuracy, zeroShot: zs.test.accuracy, split: 'test' as const } : zs && v ? { prompt: v.accuracy, zeroShot: zs.validation.accuracy, split: 'validation' as const } : null;
  return (
    <section className="card" aria-labelledby="result-title" data-testid="run-result">
      <h2 id="result-title">Result</h2>
      {!v ? (
        <p className="muted">Stopped before the first step: nothing to evaluate.</p>
      ) : (
        <>
          <ResultsTable
            caption={
              <>
                {summary.steps} steps on {summary.trainCount} training images in {duration(summary.seconds)} on{' '}
                {summary.backend.name.toUpperCase()} · chance is {percent(chance)}
              </>
            }
          >
            <tr>
              <th scope="row">Visual prompt (this run)</th>
              <td data-testid="vp-parameters">{summary.parameters.toLocaleString()}</td>
              <Accuracy e={v} testId="val-accuracy" />
              <Accuracy e={summary.test} testId="test-accuracy" />
            </tr>
            {zs && (
              <tr data-testid="zs-row">
                <th scope="row">CLIP zero-shot (no prompt, no training)</th>
                <td>0</td>
                <Accuracy e={zs.validation} testId="zs-val-accuracy" />
                <Accuracy e={zs.test} testId="zs-test-accuracy" />
              </tr>
            )}
            {b && (
              <tr data-testid="lp-row">
                <th scope="row">{probeLabel(b)}</th>
                <td data-testid="lp-parameters">{b.parameters.toLocaleString()}</td>
                <Accuracy e={b.validation} testId="lp-val-accuracy" />
                <Accuracy e={b.test} testId="lp-test-accuracy" />
              </tr>
            )}
            {b?.extra && (
              <tr className="muted" data-testid="lp-extra-row">
                <th scope="row">{probeLabel(b.extra)}</th>
                <td>{b.extra.parameters.toLocaleString()}</td>
                <Accuracy e={b.extra.validation} testId="lp-extra-val-accuracy" />
                <Accuracy e={b.extra.test} />
              </tr>
            )}
          </ResultsTable>
          {versus && (
            <p className={versus.prompt > versus.zeroShot ? 'hint' : 'warning'} data-testid="zs-verdict">
              {zeroShotVerdict(versus.prompt, versus.zeroShot, versus.split)}
            </p>
          )}
          <table className="per-class">
            <caption>Validation accuracy per class</caption>
            <thead>
              <tr>
                <th scope="col">Class</th>
                <th scope="col">Accuracy</th>
              </tr>
            </thead>
            <tbody>
              {dataset.classes.map((name, c) => (
                <tr key={c}>
                  <th scope="row">{name}</th>
                  <td>
                    <span className="acc-bar" aria-hidden="true">
                      <span style={{ width: `${(v.perClass[c] ?? 0) * 100}%` }} />
                    </span>
                    {percent(v.perClass[c])}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
