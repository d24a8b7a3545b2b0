import { useApp } from '../../store';
import { viewRunKey } from '../../store/viewsSlice';
import { Picture } from '../Picture';

/** The validation images of the chosen confusion-matrix cell. */
export function MisclassifiedImages({ names }: { names: string[] }) {
  const view = useApp((s) => (s.misclassifiedView?.runKey === viewRunKey(s.run) ? s.misclassifiedView : null));
  const close = useApp((s) => s.closeMisclassified);
  if (!view) {
    return <p className="hint misclassified-empty">Choose a count in the table to see those validation images here.</p>;
  }
  const t = names[view.trueClass] ?? `class ${view.trueClass}`;
  const p = names[view.predicted] ?? `class ${view.predicted}`;
  const correct = view.trueClass === view.predicted;
  const r = view.result;
  const title = correct ? (
    <>
      <bdi>{t}</bdi> images predicted correctly
    </>
  ) : (
    <>
      <bdi>{t}</bdi> images the model took for <bdi>{p}</bdi>
    </>
  );
  return (
    <div
      className="misclassified"
      role="region"
      aria-labelledby="misclassified-title"
      data-testid="misclassified"
      data-status={view.status}
    >
      <div className="misclassified-head">
        <h3 id="misclassified-title" className="view-subtitle">
          {title}
          {r && ` (${r.total})`}
        </h3>
        <button type="button" className="link-button" onClick={close}>
          Close
        </button>
      </div>
      <div aria-live="polite">
        {view.status === 'loading' && <p className="muted">Loading the images…</p>}
        {view.status === 'error' && (
          <p className="error" role="alert">
            {view.error}
          </p>
        )}
        {r && r.total === 0 && (
          <p className="muted">
            No validation image of <bdi>{t}</bdi> was{' '}
            {correct ? (
              'predicted correctly'
            ) : (
              <>
                predicted as <bdi>{p}</bdi>
              </>
            )}
            .
          </p>
        )}
        {r && r.images.length > 0 && (
          <>
            <ul className="misclassified-list">
              {r.images.map((img) => (
                <li key={img.index} data-testid="misclassified-image">
                  <Picture
                    picture={img.picture}
                    size={64}
                    alt={`Validation image ${img.index}: a ${t}${correct ? '' : `, predicted as ${p}`}`}
                  />
                </li>
              ))}
            </ul>
            {r.total > r.images.length && (
              <p className="hint">
                Showing {r.images.length} of {r.total}.
              </p>
            )}
          </>
        )}
      </div>
    </div>
  );
}
