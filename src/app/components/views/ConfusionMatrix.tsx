import { type KeyboardEvent, useRef, useState } from 'react';
import { useApp } from '../../store';
import { viewClasses } from '../../store/viewsSlice';
import { MisclassifiedImages } from './MisclassifiedImages';

/** WCAG relative luminance of an sRGB colour (0–255 channels). */
function luminance(rgb: readonly number[]): number {
  const [r, g, b] = rgb.map((v) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** Of the page's ink (#1b2430) and white, the text colour that contrasts more with this luminance. */
const INK_LUMINANCE = luminance([0x1b, 0x24, 0x30]);
const whiteReadsBetter = (l: number) => 1.05 / (l + 0.05) > (l + 0.05) / (INK_LUMINANCE + 0.05);

/** Okabe–Ito blue for correct answers, vermillion for errors; the count is always written in the cell. */
function cellStyle(count: number, rowTotal: number, correct: boolean) {
  if (count === 0 || rowTotal === 0) return undefined;
  const share = count / rowTotal;
  const alpha = 0.12 + 0.78 * share;
  const rgb = correct ? [0, 114, 178] : [213, 94, 0];
  // The cell's colour as drawn over the white card decides the text colour.
  const shown = rgb.map((v) => 255 + (v - 255) * alpha);
  return {
    background: `rgba(${rgb.join(', ')}, ${alpha.toFixed(3)})`,
    color: whiteReadsBetter(luminance(shown)) ? '#fff' : undefined,
  };
}

/**
 * The validation confusion matrix as a table of buttons: rows are true classes, columns
 * predicted ones. A click (or Enter) on a cell shows its images; arrow keys move between cells.
 */
export function ConfusionMatrix() {
  const validation = useApp((s) => s.run.summary?.validation ?? null);
  const status = useApp((s) => s.run.status);
  const classes = useApp(viewClasses);
  const selected = useApp((s) => s.misclassifiedView);
  const show = useApp((s) => s.showMisclassified);
  const [focus, setFocus] = useState<[number, number]>([0, 1]);
  const table = useRef<HTMLTableElement>(null);
  const live = status === 'running' || status === 'stopping';

  if (!validation || live) {
    return (
      <section className="card view confusion-view" aria-labelledby="confusion-title" data-testid="confusion-view">
        <h2 id="confusion-title">Where the model errs</h2>
        <p className="view-empty">
          {live
            ? 'When training ends, the prompted model is validated: this table then shows which images of each class it gets right and which classes it confuses.'
            : 'Train a run (or open a saved one) to see, for each class, how many validation images the prompted model gets right and which classes it confuses them with. Click a count to see the images.'}
        </p>
      </section>
    );
  }

  const n = validation.confusion.length;
  const names = Array.from({ length: n }, (_, i) => classes[i] ?? `class ${i}`);
  const rowTotals = validation.confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const errors = validation.count - validation.confusion.reduce((a, row, t) => a + (row[t] ?? 0), 0);
  const [fr, fc] = [Math.min(focus[0], n - 1), Math.min(focus[1], n - 1)];

  const move = (e: KeyboardEvent, t: number, p: number) => {
    const to: Record<string, [number, number]> = {
      ArrowUp: [t - 1, p],
      ArrowDown: [t + 1, p],
      ArrowLeft: [t, p - 1],
      ArrowRight: [t, p + 1],
      Home: [t, 0],
      End: [t, n - 1],
    };
    const next = to[e.key];
    if (!next) return;
    e.preventDefault();
    const [r, c] = [Math.max(0, Math.min(n - 1, next[0])), Math.max(0, Math.min(n - 1, next[1]))];
    setFocus([r, c]);
    table.current?.querySelector<HTMLButtonElement>(`button[data-cell="${r}-${c}"]`)?.focus();
  };

  return (
    <section className="card view confusion-view" aria-labelledby="confusion-title" data-testid="confusion-view">
      <h2 id="confusion-title">Where the model errs</h2>
      <p className="hint view-explanation">
        The {validation.count} validation images (never trained on), counted by their true class (rows) and the class
        the prompted model predicted (columns). The diagonal, in blue, holds the correct answers; everything else, in
        orange, is an error: <strong data-testid="confusion-errors">{errors}</strong> here. Choose a count to see those
        images (arrow keys move between cells).
      </p>
      <div className="confusion-body">
        <div className="confusion-scroll">
          <table className="confusion" ref={table} data-testid="confusion-table">
            <caption className="sr-only">
              Confusion matrix of the validation images: rows are the true classes, columns the predicted classes.
            </caption>
            <thead>
              <tr>
                <td />
                <th scope="colgroup" colSpan={n} className="axis-label">
                  predicted as →
                </th>
                <td />
              </tr>
              <tr>
                <th scope="col" className="corner">
                  true class ↓
                </th>
                {names.map((name, p) => (
                  <th scope="col" key={p} className="col-head" title={name}>
                    <bdi>{name}</bdi>
                  </th>
                ))}
                <th scope="col" className="row-total">
                  correct
                </th>
              </tr>
            </thead>
            <tbody>
              {validation.confusion.map((row, t) => (
                <tr key={t}>
                  <th scope="row" title={names[t]}>
                    <bdi>{names[t]}</bdi>
                  </th>
                  {row.map((count, p) => {
                    const correct = t === p;
                    const on = selected?.trueClass === t && selected.predicted === p;
                    const what = correct
                      ? `${count} ${names[t]} image${count === 1 ? '' : 's'} predicted correctly`
                      : `${count} ${names[t]} image${count === 1 ? '' : 's'} predicted as ${names[p]}`;
                    return (
                      <td key={p} className={`${correct ? 'diagonal' : ''} ${count === 0 ? 'zero' : ''}`}>
                        <button
                          type="button"
                          className={`cell ${on ? 'selected' : ''}`}
                          style={cellStyle(count, rowTotals[t] ?? 0, correct)}
                          tabIndex={t === fr && p === fc ? 0 : -1}
                          aria-label={what}
                          aria-pressed={on}
                          data-cell={`${t}-${p}`}
                          data-count={count}
                          onFocus={() => setFocus([t, p])}
                          onKeyDown={(e) => move(e, t, p)}
                          onClick={() => void show(t, p)}
                        >
                          {count}
                        </button>
                      </td>
                    );
                  })}
                  <td className="row-total">
                    {row[t] ?? 0}/{rowTotals[t]}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <MisclassifiedImages names={names} />
      </div>
    </section>
  );
}
