import { lazy, Suspense, useEffect, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import type { RunExportKind, StoredRunInfo, StoredRunStatus } from '../../worker/api/runsApi';
import { percent } from '../format';
import { isBusy, useApp } from '../store';
import { isOneToOne, mappingName } from '../../core/design/kinds';

/** Loaded with recharts, after the page shows (see App). */
const RunsCompareChart = lazy(() => import('./views/RunsCompareChart').then((m) => ({ default: m.RunsCompareChart })));

const STATUS: Record<StoredRunStatus, string> = {
  training: 'training',
  interrupted: 'interrupted',
  done: 'done',
  stopped: 'stopped',
  diverged: 'diverged',
  failed: 'failed',
  imported: 'imported',
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
  return new Date(ms).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

const PROMPT_WORDS: Record<StoredRunInfo['design']['prompt'], string> = {
  pad: 'padding prompt',
  full: 'full-image prompt',
  patch: 'patch prompt',
  lowrank: 'low-rank prompt (LoR-VP)',
  smm: 'sample-specific masks (SMM)',
};

/** The configuration of a run in one line: model, data, every design choice that shapes it. */
function RunConfig({ run }: { run: StoredRunInfo }) {
  const d = run.design;
  const data =
    run.data && run.data.trainImages > 0
      ? ` · ${run.data.trainImages}/${run.data.valImages}/${run.data.testImages} train/val/test images${run.data.fraction > 1 ? ` (1/${run.data.fraction} of the pool)` : ''}`
      : '';
  return (
    <span className="run-facts run-config" data-testid="run-config">
      {run.modelName} · {run.dataset?.name ?? 'unknown dataset'} ({run.classes.length} classes) ·{' '}
      {mappingName(d.labelMapping)}
      {isOneToOne(d.labelMapping) && ` k=${d.k}`}
      {d.labelMapping === 'iter' && ` every ${d.interval} epoch${d.interval === 1 ? '' : 's'}`} ·{' '}
      {PROMPT_WORDS[d.prompt]} ×{d.inputScale}
      {d.trainableResize && ' (trainable resize)'} · {d.epochs} epoch{d.epochs === 1 ? '' : 's'} × batch {d.batchSize} ·{' '}
      {d.optimizer === 'adam' ? 'Adam' : 'SGD'} lr {d.learningRate} · seed {d.seed}
      {data}
    </span>
  );
}

/** Final metrics: validation, test, the linear-probing baseline; what is saved; when. */
function RunFacts({ run }: { run: StoredRunInfo }) {
  const epochs = run.checkpoint
    ? `${run.checkpoint.epochs} epoch${run.checkpoint.epochs === 1 ? '' : 's'} saved`
    : 'nothing saved yet';
  const lp = run.summary?.baseline?.validation.accuracy;
  const zeroShot = run.summary?.zeroShot?.validation.accuracy;
  return (
    <span className="run-facts" data-testid="run-metrics">
      validation <strong>{percent(run.validationAccuracy)}</strong>
      {run.testAccuracy !== null && (
        <>
          {' '}
          · test <strong>{percent(run.testAccuracy)}</strong>
        </>
      )}
      {lp !== undefined && ` · linear probing ${percent(lp)} (validation)`}
      {zeroShot !== undefined && ` · zero-shot ${percent(zeroShot)} (validation)`} · {epochs} ·{' '}
      <span className="run-when">{when(run.createdAt)}</span>
    </span>
  );
}

/**
 * The run's name, or a small form to change it (Enter saves, Escape cancels). Keyed on `editing`,
 * so that every edit starts from the current name, not from what a cancelled one typed.
 */
function RunName({ run, editing, onDone }: { run: StoredRunInfo; editing: boolean; onDone: () => void }) {
  const rename = useApp((s) => s.renameRun);
  const [name, setName] = useState(run.name);
  if (!editing) return <bdi className="run-name">{run.name}</bdi>;
  const save = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (trimmed && trimmed !== run.name) void rename(run.id, trimmed);
    onDone();
  };
  return (
    <form className="rename" onSubmit={save} onKeyDown={(e) => e.key === 'Escape' && onDone()}>
      <input
        type="text"
        value={name}
        onChange={(e) => setName(e.target.value)}
        maxLength={200}
        aria-label={`New name for ${run.name}`}
        autoFocus
        required
      />
      <button type="submit" className="secondary small">
        Save
      </button>
      <button type="button" className="link-button" onClick={onDone}>
        Cancel
      </button>
    </form>
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

function RunRow({ run, onOpened }: { run: StoredRunInfo; onOpened: (name: string) => void }) {
  const active = useApp((s) => s.activeRunId === run.id);
  const inView = useApp((s) => s.run.reopened === run.id || (s.run.summary?.runId === run.id && !s.run.reopened));
  const busy = useApp((s) => isBusy(s.run));
  const compared = useApp((s) => s.compareIds.includes(run.id));
  const toggleCompare = useApp((s) => s.toggleCompare);
  const reopen = useApp((s) => s.reopenRun);
  const select = useApp((s) => s.selectRun);
  const remove = useApp((s) => s.deleteRun);
  const [confirming, setConfirming] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const renameButton = useRef<HTMLButtonElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const canUse = Boolean(run.checkpoint) && run.status !== 'training';
  const open = async () => {
    await reopen(run.id);
    onOpened(run.name);
  };
  return (
    <li
      className={`run-row ${active ? 'active' : ''} ${inView ? 'in-view' : ''}`}
      data-testid="run-row"
      data-run-id={run.id}
      data-status={run.status}
    >
      <div className="run-main">
        <span className="run-title">
          <RunName
            key={renaming ? 'editing' : 'shown'}
            run={run}
            editing={renaming}
            onDone={() => {
              setRenaming(false);
              requestAnimationFrame(() => renameButton.current?.focus());
            }}
          />{' '}
          <span className={`tag status-${run.status}`}>{STATUS[run.status]}</span>
          {run.origin === 'continued' && <span className="tag">continued</span>}
          {inView && <span className="tag in-view-tag">shown above</span>}
        </span>
        <RunConfig run={run} />
        <RunFacts run={run} />
        {run.error && <span className="error run-error">{run.error}</span>}
      </div>
      <label className="check compare-check">
        <input
          type="checkbox"
          checked={compared}
          onChange={() => toggleCompare(run.id)}
          disabled={run.epochs.length === 0}
          aria-label={`Compare ${run.name}`}
          data-testid="compare-run"
        />
        Compare
      </label>
      <div className="run-actions">
        <button
          type="button"
          className="secondary small"
          onClick={() => void open()}
          disabled={busy || run.status === 'training'}
          aria-label={`Open ${run.name}`}
          title="Show its curves, result, prompt, mapping and errors above"
          data-testid="open-run"
        >
          Open
        </button>
        <button
          type="button"
          className="secondary small"
          onClick={() => select(active ? null : run.id)}
          disabled={!canUse}
          aria-pressed={active}
        >
          {active ? 'In use' : 'Use'}
        </button>
        <Downloads run={run} />
        <button
          type="button"
          ref={renameButton}
          className="link-button"
          onClick={() => setRenaming(true)}
          disabled={renaming}
          aria-label={`Rename ${run.name}`}
        >
          Rename
        </button>
        <button
          type="button"
          ref={deleteButton}
          className="link-button delete"
          onClick={() => setConfirming(true)}
          disabled={run.status === 'training'}
          aria-label={`Delete ${run.name}`}
        >
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
            <button
              type="button"
              className="secondary small"
              onClick={() => {
                setConfirming(false);
                requestAnimationFrame(() => deleteButton.current?.focus());
              }}
            >
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
  const [opened, setOpened] = useState<string | null>(null);

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
        <input
          ref={input}
          type="file"
          accept=".safetensors"
          multiple
          hidden
          data-testid="prompt-input"
          onChange={onFiles}
        />
      </div>
      <p className="hint">
        Every trained prompt is kept in this browser with its run, checkpointed after each epoch, until you delete it.
        Open a run to see its curves, prompt, mapping and errors again; tick Compare on several to compare them. Drop a{' '}
        <code>.safetensors</code> prompt anywhere on the page to load one back.
      </p>
      <ImportOutcomes />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <p className="sr-only" role="status">
        {opened && `Opened “${opened}”: its curves, result, prompt, mapping and errors are shown above.`}
      </p>
      {runs && runs.length === 0 && (
        <p className="muted">No saved prompts yet: train one, or load a .safetensors prompt.</p>
      )}
      {runs && runs.length > 0 && (
        <ul className="run-list">
          {runs.map((r) => (
            <RunRow key={r.id} run={r} onOpened={setOpened} />
          ))}
        </ul>
      )}
      {runs && runs.length > 0 && (
        <Suspense fallback={null}>
          <RunsCompareChart />
        </Suspense>
      )}
    </section>
  );
}
