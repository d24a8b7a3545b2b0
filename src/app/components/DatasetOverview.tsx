import type { DatasetSummary } from '../../worker/api/trainingApi';
import { isBusy, useApp } from '../store';
import { DEFAULT_TEST_FRACTION } from '../store/datasetSlice';
import { ImportReportDetails } from './ImportReportView';
import { explainSplit } from './splitText';
import { Thumb } from './Thumb';

/** A class this many times larger than the smallest one makes the set imbalanced. */
const IMBALANCE_RATIO = 3;

const q = (name: string) => <bdi>“{name}”</bdi>;

function ClassWarnings({ dataset }: { dataset: DatasetSummary }) {
  const counts = dataset.countsByClass;
  if (counts.length < 2) return null;
  let big = 0;
  let small = 0;
  counts.forEach((c, i) => {
    if (c > counts[big]!) big = i;
    if (c < counts[small]!) small = i;
  });
  const ratio = counts[big]! / Math.max(1, counts[small]!);
  return (
    <>
      {ratio >= IMBALANCE_RATIO && (
        <p className="warning" data-testid="imbalance-warning">
          Imbalanced classes: {q(dataset.classes[big]!)} has {counts[big]!.toLocaleString()} images, {q(dataset.classes[small]!)} only{' '}
          {counts[small]!.toLocaleString()} ({ratio.toFixed(1)}×). A run draws the same number of images from every class while it can, so the
          small classes set the limit; more images of them would help, and accuracy can favour the large classes.
        </p>
      )}
    </>
  );
}

function SplitControls({ dataset }: { dataset: DatasetSummary }) {
  const data = useApp((s) => s.data);
  const plan = useApp((s) => s.splitPlan);
  const setSplit = useApp((s) => s.setSplit);
  const seed = useApp((s) => s.design.seed);
  const busy = useApp((s) => isBusy(s.run));
  const given = dataset.testCount > 0;
  const val = Math.round(data.valFraction * 100);
  const test = Math.round((data.testFraction ?? DEFAULT_TEST_FRACTION) * 100);
  const clamp = (v: number, other: number) => Math.max(0, Math.min(90 - other, Math.round(v)));
  const explained = explainSplit({ ...data, classes: dataset.classes, countsByClass: dataset.countsByClass, testCount: dataset.testCount });
  return (
    <fieldset className="splits" disabled={busy}>
      <legend>Splits</legend>
      <p className="split-sizes" data-testid="split-sizes">
        {plan ? (
          <>
            Training pool <strong>{plan.train.toLocaleString()}</strong> · validation <strong>{plan.val.toLocaleString()}</strong> · test{' '}
            <strong>{plan.test.toLocaleString()}</strong> {plan.testGiven ? '(the dataset’s own test split)' : '(held out from the images)'}
          </>
        ) : (
          'Working out the split sizes…'
        )}
      </p>
      <div className="row">
        <label className="field">
          <span>Validation share (%)</span>
          <input
            type="number"
            min={1}
            max={clamp(89, given ? 0 : test)}
            step={1}
            value={val}
            onChange={(e) => Number.isFinite(e.target.valueAsNumber) && void setSplit({ val: Math.max(1, clamp(e.target.valueAsNumber, given ? 0 : test)) / 100 })}
          />
        </label>
        <label className="field">
          <span>Test share (%)</span>
          <input
            type="number"
            min={0}
            max={clamp(89, val)}
            step={1}
            value={given ? 0 : test}
            disabled={given}
            onChange={(e) => Number.isFinite(e.target.valueAsNumber) && void setSplit({ test: clamp(e.target.valueAsNumber, val) / 100 })}
          />
        </label>
      </div>
      <p className="split-per-class" data-testid="split-per-class">
        {explained.perClass}
      </p>
      {explained.problems.map((p) => (
        <p key={p} className="warning" data-testid="split-problem">
          {p}
        </p>
      ))}
      <p className="hint">
        Seeded (seed {seed}) and stratified: every class is split in the same proportions.{' '}
        {given ? 'The test split comes with the dataset, so only validation is taken from the training pool.' : 'The test share is never trained or validated on.'}{' '}
        {explained.run}
      </p>
    </fieldset>
  );
}

/** Summary, warnings, splits and classes (counts and examples) of the selected dataset. */
export function DatasetOverview() {
  const datasetId = useApp((s) => s.datasetId);
  const dataset = useApp((s) => s.dataset);
  const error = useApp((s) => s.datasetError);
  const stored = useApp((s) => s.imported?.find((d) => d.id === s.datasetId));
  if (error) return <p className="error" role="alert">{error}</p>;
  if (!dataset || dataset.id !== datasetId) return <p className="muted">Loading the dataset…</p>;
  const max = Math.max(...dataset.countsByClass);
  return (
    <div className="overview">
      <p className="muted" data-testid="dataset-summary">
        {dataset.classes.length} classes · {dataset.trainCount.toLocaleString()} training and {dataset.testCount.toLocaleString()} test images ·{' '}
        {dataset.imageSize.width}×{dataset.imageSize.height} {dataset.imageSize.channels === 1 ? 'grayscale' : 'colour'}
      </p>
      {stored && (
        <p className="hint">
          {dataset.source}. Fitted by {stored.preprocessing.fit === 'crop' ? 'centre crop' : stored.preprocessing.fit === 'pad' ? 'padding' : 'stretching'};
          transparency composited onto rgb({stored.alphaBackground.join(', ')}).
        </p>
      )}
      <ClassWarnings dataset={dataset} />
      <SplitControls dataset={dataset} />
      <ul className="classes" aria-label="Classes with image counts and examples">
        {dataset.classes.map((name, c) => (
          <li key={c} className="class-row">
            <bdi className="class-name" title={name}>
              {name}
            </bdi>
            <span className="count-bar" aria-hidden="true">
              <span style={{ width: `${((dataset.countsByClass[c] ?? 0) / max) * 100}%` }} />
            </span>
            <span className="count">{(dataset.countsByClass[c] ?? 0).toLocaleString()}</span>
            <span className="thumbs">
              {dataset.thumbnails
                .filter((t) => t.label === c)
                .map((t, i) => (
                  <Thumb key={i} thumb={t} size={28} alt={`Example ${i + 1} of class ${name}`} />
                ))}
            </span>
          </li>
        ))}
      </ul>
      {stored && (
        <details className="stored-report">
          <summary>Import report</summary>
          <ImportReportDetails report={stored.report} />
        </details>
      )}
    </div>
  );
}
