import { useState } from 'react';
import type { MappedSource, MappingStep, MappingView as Mapping, OmegaHeat } from '../../../worker/api/viewsApi';
import { useApp } from '../../store';
import { runById } from '../../store/runsSlice';
import { viewClasses, viewRunId } from '../../store/viewsSlice';
import { isBayesian, mappingName } from '../../../core/design/kinds';
import { signed } from './viewText';

/** Rows shown before "Show all". */
const ROWS = 12;

function explanation(m: Mapping, model: string): string {
  const k = m.k === 1 ? 'one source class' : `${m.k} source classes`;
  const common = `The frozen ${model} still scores its own ${m.numSource.toLocaleString()} classes (the source classes).`;
  switch (m.kind) {
    case 'fully':
      return `${common} FullyMap learns, together with the prompt, a weight from every source score to each of your classes. Each row lists the source classes that weigh most for one of your classes: a positive weight raises that class’s score when the model sees that source class, a negative one lowers it.`;
    case 'freq':
      return `${common} With FreqMap each of your classes takes the score of ${k} (their average), chosen as the source classes the model most often predicts for that class’s training images, counted once before training.`;
    case 'iter':
      return `${common} With IterMap each of your classes takes the score of ${k}: the ones the model most often predicts for that class’s training images, counted again while the prompt trains (the history below says what changed).`;
    case 'semantic':
      return `${common} With SemanticMap each of your classes takes the score of ${k} whose names mean the most similar thing${m.matchedBy ? `, ${m.matchedBy}` : ''}; the similarity is shown, 1 at most.`;
    case 'random':
      return `${common} With the random mapping each of your classes takes the score of ${k} picked at random: a baseline that shows how much the prompt alone can do.`;
    case 'blm':
    case 'blmplus': {
      const counted =
        m.kind === 'blm'
          ? 'how often the model’s top guess is that source class'
          : 'how much probability the model gives that source class among its top guesses';
      return `${common} With ${mappingName(m.kind)} each of your classes takes a weighted sum of all source scores. The weights are counted again before every epoch from the training images: ${counted} for images of your class, relative to how often it comes up for all classes. Each row lists the largest weights; a class’s weights add up to 100%.`;
    }
  }
}

function Source({ s, scale, share }: { s: MappedSource; scale: number; share: boolean }) {
  if (s.weight !== undefined) {
    const w = s.weight;
    return (
      <li className={`chip ${w < 0 ? 'neg' : 'pos'}`}>
        <bdi className="source-name">{s.name}</bdi>{' '}
        <span className="weight-value">{share ? `${(w * 100).toFixed(1)}%` : signed(w)}</span>
        <span
          className="chip-bar"
          aria-hidden="true"
          style={{ width: `${Math.max(4, Math.min(100, (Math.abs(w) / scale) * 100))}%` }}
        />
      </li>
    );
  }
  return (
    <li className="chip">
      <bdi className="source-name">{s.name}</bdi>
      {s.similarity !== undefined && <span className="similarity"> {s.similarity.toFixed(2)}</span>}
    </li>
  );
}

/** BLM's ω as a heat map: your classes down, the source classes that matter most across, darker = larger weight. */
function OmegaHeatMap({ heat, classes, model }: { heat: OmegaHeat; classes: string[]; model: string }) {
  const max = Math.max(1e-9, ...heat.omega.flat());
  return (
    <div className="omega-heat-scroll">
      <table className="omega-heat" data-testid="omega-heat">
        <caption className="sr-only">
          ω: the weight of each of {model}’s classes (columns) in each of your classes (rows)
        </caption>
        <thead>
          <tr>
            <th scope="col">
              <span className="sr-only">Your class</span>
            </th>
            {heat.sources.map((s) => (
              <th key={s.source} scope="col" title={s.name}>
                <span className="omega-source">{s.name}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {heat.omega.map((row, t) => (
            <tr key={t}>
              <th scope="row">
                <bdi>{classes[t] ?? `class ${t}`}</bdi>
              </th>
              {row.map((w, i) => {
                const label = `${classes[t] ?? `class ${t}`} ← ${heat.sources[i]!.name}: ${(w * 100).toFixed(1)}%`;
                return (
                  <td
                    key={i}
                    title={label}
                    aria-label={label}
                    style={{ background: `rgba(11, 92, 173, ${(w / max).toFixed(3)})` }}
                    className={w / max > 0.55 ? 'strong' : undefined}
                  >
                    {w >= 0.005 ? Math.round(w * 100) : ''}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <small className="hint">
        Weights in percent of each class’s sum; darker is larger. Hover a cell for its pair.
      </small>
    </div>
  );
}

function sourceList(ids: number[], names: Map<number, string>): string {
  return ids.map((s) => names.get(s) ?? `source #${s}`).join(', ');
}

function History({
  steps,
  classes,
  sourceNames,
}: {
  steps: MappingStep[];
  classes: string[];
  sourceNames: Map<number, string>;
}) {
  if (!steps.length) return null;
  return (
    <>
      <h3 className="view-subtitle">How the mapping changed</h3>
      <ol className="mapping-history" data-testid="mapping-history">
        {steps.map((step) => (
          <li key={step.epoch}>
            <strong>Before epoch {step.epoch + 1}:</strong>{' '}
            {step.initial
              ? 'counted the model’s predictions on the training images and chose the sources above.'
              : step.changes.length === 0
                ? 'counted again; nothing changed.'
                : step.changes.map((c, i) => (
                    <span key={c.target}>
                      {i > 0 && '; '}
                      <bdi>{classes[c.target] ?? c.target}</bdi> ← {sourceList(c.after, sourceNames)}{' '}
                      <span className="muted">(was {sourceList(c.before, sourceNames)})</span>
                    </span>
                  ))}
          </li>
        ))}
      </ol>
    </>
  );
}

function Table({ m, classes, model }: { m: Mapping; classes: string[]; model: string }) {
  const [all, setAll] = useState(false);
  const rows = all ? m.targets : m.targets.slice(0, ROWS);
  const scale = Math.max(1e-9, ...m.targets.flat().map((s) => Math.abs(s.weight ?? 0)));
  const sourceNames = new Map(m.targets.flat().map((s) => [s.source, s.name]));
  const computed = m.targets.some((t) => t.length > 0);
  const bayesian = isBayesian(m.kind);
  return (
    <>
      <p className="hint view-explanation">{explanation(m, model)}</p>
      {!computed ? (
        <p className="muted">The mapping is counted before the first epoch: it appears here in a moment.</p>
      ) : (
        <>
          {m.heat && <OmegaHeatMap heat={m.heat} classes={classes} model={model} />}
          <table className="mapping-table" data-testid="mapping-table">
            <caption className="sr-only">For each of your classes, the source classes of {model} it reads</caption>
            <thead>
              <tr>
                <th scope="col">Your class</th>
                <th scope="col">
                  {m.kind === 'fully'
                    ? `Strongest weights from the ${model} classes`
                    : bayesian
                      ? `Largest weights of the ${model} classes`
                      : `Source classes of ${model}`}
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((sources, t) => (
                <tr key={t}>
                  <th scope="row">
                    <bdi>{classes[t] ?? `class ${t}`}</bdi>
                  </th>
                  <td>
                    <ul className="mapped-sources">
                      {sources.map((s) => (
                        <Source key={s.source} s={s} scale={scale} share={bayesian} />
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {m.targets.length > ROWS && (
        <button type="button" className="link-button" onClick={() => setAll(!all)} aria-expanded={all}>
          {all ? `Show the first ${ROWS} classes` : `Show all ${m.targets.length} classes`}
        </button>
      )}
      <History steps={m.history} classes={classes} sourceNames={sourceNames} />
    </>
  );
}

/** For each target class, the source classes it reads: names, FullyMap and BLM weights, IterMap's changes. */
export function MappingView() {
  const mapping = useApp((s) => s.run.snapshot?.mapping ?? null);
  const status = useApp((s) => s.run.status);
  const classes = useApp(viewClasses);
  const model = useApp(
    (s) =>
      runById(s.runs, viewRunId(s.run))?.modelName ??
      s.models.find((m) => m.manifest.id === s.modelId)?.manifest.name ??
      'model',
  );
  const live = status === 'running' || status === 'stopping';
  return (
    <section className="card view mapping-view" aria-labelledby="mapping-view-title" data-testid="mapping-view">
      <h2 id="mapping-view-title">
        How classes are mapped{mapping && <span className="view-run"> · {mappingName(mapping.kind)}</span>}
      </h2>
      {mapping ? (
        <Table m={mapping} classes={classes} model={model} />
      ) : (
        <p className="view-empty">
          {live
            ? 'The mapping appears here with the first picture of the prompt.'
            : 'Train a run to see how the frozen model’s own classes are turned into yours: which of its classes stand for each of yours, and how strongly.'}
        </p>
      )}
    </section>
  );
}
