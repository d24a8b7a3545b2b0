import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import type { RunExportKind, StoredRunInfo, StoredRunStatus } from '../../worker/api';
import { percent } from '../format';
import { useApp } from '../store';

const STATUS: Record<StoredRunStatus, string> = {
  training: 'training',
  interrupted: 'interrupted',
  done: 'done',
  stopped: 'stopped',
  failed: 'failed',
  imported: 'imported',
};

const MAPPING: Record<StoredRunInfo['design']['labelMapping'], string> = {
  random: 'RandomMap',
  freq: 'FreqMap',
  iter: 'IterMap',
  semantic: 'SemanticMap',
  fully: 'FullyMap',
};

export const DOWNLOADS: { kind: RunExportKind; label: string }[] = [
  { kind: 'safetensors', label: 'Prompt (.safetensors)' },
  { kind: 'prompt-png', label: 'Prompt picture (PNG)' },
  { kind: 'sample-png', label: 'Prompt on a sample image (PNG)' },
  { kind: 'prompt-npy', label: 'Raw prompt δ (.npy)' },
  { kind: 'report-json', label: 'Run report (JSON)' },
  { kind: 'charts-svg', label: 'Training curves (SVG)' },
];

export const isPromptFile = (f: File) => /\.safetensors$/i.test(f.name);

function when(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function RunFacts({ run }: { run: StoredRunInfo }) {
  const epochs = run.checkpoint ? `${run.checkpoint.epochs} epoch${run.checkpoint.epochs === 1 ? '' : 's'} saved` : 'nothing saved yet';
  return (
    <span className="run-facts">
      {run.dataset?.name ?? 'unknown dataset'} · {run.classes.length} classes · {MAPPING[run.design.labelMapping]}
      {run.design.labelMapping !== 'fully' && ` k=${run.design.k}`} · s={run.design.inputScale}
      {run.design.trainableResize && ' (trainable)'} · {epochs} · validation {percent(run.validationAccuracy)}
      {run.testAccuracy !== null && ` · test ${percent(run.testAccuracy)}`} · {when(run.createdAt)}
    </span>
  );
}

function Downloads({ run }: { run: StoredRunInfo }) {
  const download = useApp((s) => s.downloadRun);
  const downloading = useApp((s) => s.downloading);
  if (!run.checkpoint) return null;
  return (
    <details className="downloads">
      <summary>Download</summary>
      <div className="downloads-menu">
        {DOWNLOADS.map((d) => {
          const busy = downloading?.runId === run.id && downloading.kind === d.kind;
          return (
            <button
              key={d.kind}
              type="button"
              className="menu-item"
              onClick={(e) => {
                e.currentTarget.closest('details')?.removeAttribute('open');
                void download(run.id, d.kind);
              }}
              disabled={busy}
              data-kind={d.kind}
            >
              {busy ? 'Preparing…' : d.label}
            </button>
          );
        })}
      </div>
    </details>
  );
}

function RunRow({ run }: { run: StoredRunInfo }) {
  const active = useApp((s) => s.activeRunId === run.id);
  const select = useApp((s) => s.selectRun);
  const remove = useApp((s) => s.deleteRun);
  const [confirming, setConfirming] = useState(false);
  const canUse = Boolean(run.checkpoint) && run.status !== 'training';
  return (
    <li className={`run-row ${active ? 'active' : ''}`} data-testid="run-row" data-run-id={run.id} data-status={run.status}>
      <div className="run-main">
        <span className="run-title">
          <bdi className="run-name">{run.name}</bdi> <span className={`tag status-${run.status}`}>{STATUS[run.status]}</span>
          {run.origin === 'continued' && <span className="tag">continued</span>}
        </span>
        <RunFacts run={run} />
        {run.error && <span className="error run-error">{run.error}</span>}
      </div>
      <div className="run-actions">
        <button type="button" className="secondary small" onClick={() => select(active ? null : run.id)} disabled={!canUse} aria-pressed={active}>
          {active ? 'In use' : 'Use'}
        </button>
        <Downloads run={run} />
        <button type="button" className="link-button delete" onClick={() => setConfirming(true)} disabled={run.status === 'training'} aria-label={`Delete ${run.name}`}>
          Delete
        </button>
      </div>
      {confirming && (
        <div className="confirm run-confirm" role="group" aria-label="Confirm deletion">
          <span>
            Delete <bdi>“{run.name}”</bdi> and its prompt from this browser? Download it first to keep a copy.
          </span>
          <span className="confirm-buttons">
            <button type="button" className="danger small" onClick={() => void remove(run.id)}>
              Delete
            </button>
            <button type="button" className="secondary small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        </div>
      )}
    </li>
  );
}

function ImportOutcomes() {
  const outcomes = useApp((s) => s.promptImports);
  const importing = useApp((s) => s.importingPrompts);
  const dismiss = useApp((s) => s.dismissPromptImports);
  if (outcomes.length === 0 && !importing) return null;
  return (
    <div className="prompt-imports" data-testid="prompt-imports">
      {importing && <p role="status">Checking the prompt file…</p>}
      {outcomes.map((o, i) =>
        o.kind === 'imported' ? (
          <p key={i} className="ok-text" role="status">
            Loaded <bdi>“{o.fileName}”</bdi> as <bdi>“{o.name}”</bdi>.
          </p>
        ) : (
          <p key={i} className="error-box" role="alert" data-testid="prompt-refused">
            <strong>
              <bdi>“{o.fileName}”</bdi> was not loaded.
            </strong>{' '}
            {o.message}
          </p>
        ),
      )}
      {!importing && (
        <button type="button" className="link-button" onClick={dismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

/**
 * Every trained or loaded prompt kept in this browser, newest first, with its downloads; the
 * "Load a prompt" button (or a drop anywhere on the page) brings a .safetensors prompt back.
 */
export function RunsPanel() {
  const runs = useApp((s) => s.runs);
  const error = useApp((s) => s.runsError);
  const refresh = useApp((s) => s.refreshRuns);
  const importPrompts = useApp((s) => s.importPrompts);
  const importing = useApp((s) => s.importingPrompts);
  const status = useApp((s) => s.run.status);
  const epochs = useApp((s) => s.run.epochs.length);
  const input = useRef<HTMLInputElement>(null);

  // The list follows training: a record at the start, a checkpoint after every epoch (written
  // just after the epoch's event), the end. It is polled while a run trains here or in another
  // tab, or until a run whose tab just closed is released (its worker may outlive the page briefly).
  useEffect(() => {
    void refresh();
  }, [refresh, status, epochs]);
  const training = status === 'running' || status === 'stopping' || Boolean(runs?.some((r) => r.status === 'training'));
  useEffect(() => {
    if (!training) return;
    const timer = setInterval(() => void refresh(), 3000);
    return () => clearInterval(timer);
  }, [refresh, training]);

  const onFiles = (e: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files ?? []);
    e.target.value = '';
    void importPrompts(files);
  };

  return (
    <section className="card runs" aria-labelledby="runs-title" data-testid="runs">
      <div className="runs-head">
        <h2 id="runs-title">Saved prompts</h2>
        <button type="button" className="secondary small" onClick={() => input.current?.click()} disabled={importing}>
          Load a prompt…
        </button>
        <input ref={input} type="file" accept=".safetensors" multiple hidden data-testid="prompt-input" onChange={onFiles} />
      </div>
      <p className="hint">
        Every trained prompt is kept in this browser with its run, checkpointed after each epoch, until you delete it. Drop a{' '}
        <code>.safetensors</code> prompt anywhere on the page to load one back.
      </p>
      <ImportOutcomes />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {runs && runs.length === 0 && <p className="muted">No saved prompts yet: train one, or load a .safetensors prompt.</p>}
      {runs && runs.length > 0 && (
        <ul className="run-list">
          {runs.map((r) => (
            <RunRow key={r.id} run={r} />
          ))}
        </ul>
      )}
    </section>
  );
}
