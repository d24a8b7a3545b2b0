import { useRef, useState, type ChangeEvent, type DragEvent } from 'react';
import type { Prediction } from '../../worker/api/runsApi';
import { percent } from '../format';
import { isBusy, useApp } from '../store';
import { runById } from '../store/runsSlice';
import { Picture } from './Picture';

function PredictionItem({ p }: { p: Prediction }) {
  if (!p.ok) {
    return (
      <li className="prediction failed" data-testid="prediction">
        <bdi className="path">{p.fileName}</bdi>
        <span className="error">{p.error}</span>
      </li>
    );
  }
  return (
    <li className="prediction" data-testid="prediction">
      <Picture picture={p.seen} size={112} alt={`${p.fileName} as the model sees it, with the prompt`} />
      <div className="prediction-text">
        <bdi className="path">{p.fileName}</bdi>
        <ol className="top-k">
          {p.top.map((c) => (
            <li key={c.classIndex}>
              <bdi className="top-name">{c.name}</bdi>
              <span className="acc-bar" aria-hidden="true">
                <span style={{ width: `${c.probability * 100}%` }} />
              </span>
              <span className="top-prob">{percent(c.probability)}</span>
            </li>
          ))}
        </ol>
      </div>
    </li>
  );
}

function Evaluation() {
  const evaluation = useApp((s) => s.evaluation);
  const evaluate = useApp((s) => s.evaluateActiveRun);
  const dataset = useApp((s) => s.dataset);
  const training = useApp((s) => isBusy(s.run));
  const running = evaluation.status === 'running';
  const p = evaluation.progress;
  const r = evaluation.result;
  const where = { test: 'test images', 'held-out': 'held-out images', all: 'images' };
  return (
    <div className="evaluate">
      <button type="button" className="secondary small" onClick={() => void evaluate()} disabled={!dataset || running || training}>
        {running ? 'Evaluating…' : `Evaluate on ${dataset?.name ?? 'the selected dataset'}`}
      </button>
      <span aria-live="polite" className="evaluate-status">
        {running && p && `${p.done.toLocaleString()} of ${p.total.toLocaleString()} images`}
        {evaluation.status === 'done' && r && (
          <>
            Accuracy <strong data-testid="evaluation-accuracy">{percent(r.accuracy)}</strong> on {r.count.toLocaleString()} {where[r.split]} of{' '}
            <bdi>{r.datasetName}</bdi>
          </>
        )}
        {evaluation.status === 'error' && <span className="error">{evaluation.error}</span>}
      </span>
    </div>
  );
}

/**
 * The prompt in use (picked in the saved-prompts list): evaluate it on the selected dataset,
 * continue training it, or drop images to see the classes it predicts.
 */
export function PromptPanel() {
  const run = useApp((s) => runById(s.runs, s.activeRunId));
  const predictions = useApp((s) => s.predictions);
  const predict = useApp((s) => s.predictImages);
  const clear = useApp((s) => s.clearPredictions);
  const continueRun = useApp((s) => s.continueRun);
  const training = useApp((s) => isBusy(s.run));
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  if (!run) return null;

  // Every file goes to the worker, which says why one is not an image it reads.
  const take = (files: File[]) => {
    if (files.length) void predict(files);
  };
  const onFiles = (e: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files ?? []);
    e.target.value = '';
    take(files);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    take(Array.from(e.dataTransfer.files));
  };
  const running = predictions.status === 'running';
  const classes = run.classes.length > 12 ? `${run.classes.slice(0, 12).join(', ')}, …` : run.classes.join(', ');

  return (
    <section className="card use-prompt" aria-labelledby="use-title" data-testid="use-prompt">
      <h2 id="use-title">
        Use <bdi>“{run.name}”</bdi>
      </h2>
      <p className="hint">
        {run.modelName} · {run.classes.length} classes: <bdi>{classes}</bdi>
      </p>
      <div className="use-actions">
        <Evaluation />
        <button type="button" className="secondary small" onClick={() => void continueRun(run.id)} disabled={training} title="Train further from this prompt with the current training settings">
          Continue training
        </button>
      </div>
      <div
        className={`predict-drop ${over ? 'over' : ''}`}
        data-own-drop=""
        data-testid="predict-drop"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>
          <strong>Predict:</strong> drop images here, or{' '}
          <button type="button" className="secondary small" onClick={() => input.current?.click()} disabled={running || training}>
            choose images
          </button>
          <input ref={input} type="file" accept="image/png,image/jpeg,image/gif,image/webp,image/bmp" multiple hidden data-testid="predict-input" onChange={onFiles} />
        </p>
        <p className="hint">Each image is prepared like the run&apos;s dataset, then shown as the model sees it: placed on the canvas with the prompt around it.</p>
      </div>
      {running && <p role="status">Predicting…</p>}
      {predictions.error && (
        <p className="error" role="alert">
          {predictions.error}
        </p>
      )}
      {predictions.items.length > 0 && (
        <>
          <ul className="predictions">
            {predictions.items.map((p, i) => (
              <PredictionItem key={i} p={p} />
            ))}
          </ul>
          <button type="button" className="link-button" onClick={clear}>
            Clear predictions
          </button>
        </>
      )}
    </section>
  );
}
