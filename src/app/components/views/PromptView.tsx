import { useMemo, useState } from 'react';
import type { BatchMetrics } from '../../../worker/api/trainingApi';
import type { PromptSnapshot } from '../../../worker/api/viewsApi';
import { useApp } from '../../store';
import { runById } from '../../store/runsSlice';
import { Picture } from '../Picture';
import { stretchContrast, valueRange } from './stretch';
import { epochText, VIRIDIS_GRADIENT } from './viewText';

/** Median seconds between two consecutive steps of one epoch (what a training step costs here). */
export function stepSeconds(batches: BatchMetrics[]): number | null {
  const gaps: number[] = [];
  for (let i = 1; i < batches.length; i++) {
    const a = batches[i - 1]!;
    const b = batches[i]!;
    if (a.epoch === b.epoch && Number.isFinite(b.elapsedSeconds - a.elapsedSeconds))
      gaps.push(b.elapsedSeconds - a.elapsedSeconds);
  }
  if (!gaps.length) {
    const first = batches[0];
    return first && Number.isFinite(first.elapsedSeconds) ? first.elapsedSeconds : null;
  }
  gaps.sort((x, y) => x - y);
  return gaps[Math.floor(gaps.length / 2)]!;
}

const ms = (x: number) => (x < 10 ? x.toFixed(1) : x.toFixed(0));

function when(s: PromptSnapshot): string {
  const steps = `step ${s.step} of ${s.totalSteps}`;
  switch (s.moment) {
    case 'start':
      return 'Before the first training step';
    case 'batch':
      return `During epoch ${Math.floor(s.epoch) + 1} (${steps})`;
    case 'epoch':
      return `After epoch ${epochText(s.epoch)} (${steps})`;
    case 'end':
      return `When training stopped (${steps})`;
    case 'stored':
      return `As saved, after ${s.epoch} epoch${s.epoch === 1 ? '' : 's'} (${s.step} step${s.step === 1 ? '' : 's'})`;
  }
}

function Spectrum({ s }: { s: PromptSnapshot }) {
  return (
    <figure className="prompt-figure">
      <Picture
        picture={s.spectrum}
        size={200}
        alt="Log-magnitude spectrum of the prompt: low frequencies in the centre, high ones towards the edges; brighter means stronger."
      />
      <div className="colour-bar" aria-hidden="true">
        <span className="colour-bar-ramp" style={{ background: VIRIDIS_GRADIENT }} />
        <span className="colour-bar-ends">
          <span>weak</span>
          <span>strong</span>
        </span>
      </div>
      <figcaption>
        <strong>Its frequencies.</strong> The prompt’s 2-D Fourier transform (log magnitude, averaged over red, green
        and blue). The centre is its average colour; points further out are finer, faster-changing patterns, in the
        direction they point.
      </figcaption>
    </figure>
  );
}

/** Below this spread of values (of 255) the prompt looks flat grey: the stretch is suggested. */
const FAINT = 32;

function Views({ s, stepTime, live }: { s: PromptSnapshot; stepTime: number | null; live: boolean }) {
  const [stretch, setStretch] = useState(false);
  const spread = useMemo(() => valueRange(s.prompt), [s.prompt]);
  const stretched = useMemo(() => (stretch ? stretchContrast(s.prompt) : null), [stretch, s.prompt]);
  const framed = s.imageSize < s.canvas;
  const step = stepTime ? `; a training step takes ${stepTime < 10 ? stepTime.toFixed(1) : stepTime.toFixed(0)} s` : '';
  const cost = s.cost.offThread
    ? `This picture cost training ${ms(s.cost.syncMs)} ms (its FFT and pictures, ${ms(s.cost.computeMs)} ms, were computed in a helper thread)${step}.`
    : `This picture took ${ms(s.cost.syncMs + s.cost.computeMs)} ms of the engine’s time${step}.`;
  return (
    <>
      <p className="view-when" data-testid="snapshot-when">
        {when(s)}
        {live && <span className="tag status-training">live</span>}
      </p>
      <div className="prompt-figures">
        <div className="prompt-figure">
          <figure>
            <span className="checker">
              <Picture
                picture={stretched ?? s.prompt}
                size={200}
                alt={`The learnt prompt${stretched ? ' with its contrast stretched' : ''}, ${s.canvas}×${s.canvas} pixels${framed ? `, a frame around a transparent ${s.imageSize}-pixel square where the image goes` : ''}.`}
              />
            </span>
            <figcaption>
              <strong>The prompt.</strong> What is added to every image, at the model’s input size ({s.canvas}×
              {s.canvas} px).
              {framed
                ? ` The checkered square is where your image goes (${s.imageSize}×${s.imageSize} px, scale ×${Number(s.scale.toFixed(2))}).`
                : ' It covers the whole image.'}{' '}
              It starts flat grey and learns colours and patterns that push the frozen model towards the right answers.
            </figcaption>
          </figure>
          <label className="check stretch-check">
            <input
              type="checkbox"
              checked={stretch}
              onChange={(e) => setStretch(e.target.checked)}
              data-testid="stretch-contrast"
            />
            Stretch the contrast
          </label>
          {spread < FAINT && !stretch && (
            <small className="hint">
              Still close to its grey start (its colours span {spread} of 255 levels): stretch the contrast to see its
              pattern.
            </small>
          )}
        </div>
        <Spectrum s={s} />
      </div>
      <h3 className="view-subtitle">What the model sees</h3>
      {s.seen.length > 0 ? (
        <ul className="seen-list" aria-label="Training images with the prompt, as the model sees them">
          {s.seen.map((x, i) => (
            <li key={i} className="seen-item" data-testid="seen-image">
              <Picture
                picture={x.picture}
                size={112}
                alt={`A training image of class ${x.className}, placed on the canvas with the prompt around it, as the model sees it.`}
              />
              {x.mask && (
                <Picture
                  picture={x.mask}
                  size={112}
                  alt={`The mask SMM's mask generator draws for this image of class ${x.className} (grey is 0, brighter is larger).`}
                />
              )}
              <span className="seen-label">
                <bdi>{x.className}</bdi>
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{s.note ?? 'No training images to show.'}</p>
      )}
      <p className="hint view-cost" data-testid="snapshot-cost">
        {s.moment === 'stored'
          ? 'Computed from the saved prompt file.'
          : `Refreshed at most every 5 s and after every epoch. ${cost}`}
      </p>
    </>
  );
}

/** The learnt prompt, its spectrum and training images as the model sees them; live while training. */
export function PromptView() {
  const snapshot = useApp((s) => s.run.snapshot);
  const snapshots = useApp((s) => s.run.snapshots);
  const status = useApp((s) => s.run.status);
  const batches = useApp((s) => s.run.batches);
  const reopened = useApp((s) => runById(s.runs, s.run.reopened));
  const error = useApp((s) => (s.run.reopened ? s.viewsError : null));
  const live = status === 'running' || status === 'stopping';
  const stepTime = live || snapshot?.moment !== 'stored' ? stepSeconds(batches) : null;
  return (
    <section
      className="card view prompt-view"
      aria-labelledby="prompt-view-title"
      data-testid="prompt-view"
      data-updates={snapshots}
      aria-busy={live && !snapshot}
    >
      <h2 id="prompt-view-title">
        The prompt
        {reopened && (
          <span className="view-run">
            {' '}
            of “<bdi>{reopened.name}</bdi>”
          </span>
        )}
      </h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {snapshot ? (
        <Views s={snapshot} stepTime={stepTime} live={live} />
      ) : live ? (
        <p className="muted">Training is starting: the prompt appears here with its first step.</p>
      ) : reopened && !reopened.checkpoint ? (
        <p className="muted">This run ended before its first epoch, so no prompt was saved.</p>
      ) : (
        !error && (
          <p className="view-empty">
            Train a run to see its prompt: a learnt picture added to every image, shown here as it changes during
            training, with its frequencies and a few training images as the frozen model sees them. Or open a saved run
            below.
          </p>
        )
      )}
    </section>
  );
}
