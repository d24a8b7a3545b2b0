import { useRef, type ChangeEvent } from 'react';
import type { ImageFit } from '../../worker/api/importApi';
import { IMPORT_LIMITS } from '../../core/import/types';
import { useApp } from '../store';
import { sourceFromFolderInput, sourceFromZip } from './datasetSources';
import { ImportReportDetails } from './ImportReportView';
import { ProgressBar } from './ProgressBar';

const FITS: { id: ImageFit; label: string }[] = [
  { id: 'crop', label: 'Crop the centre square' },
  { id: 'pad', label: 'Pad to a square (white bars)' },
  { id: 'stretch', label: 'Stretch to a square' },
];

const S = IMPORT_LIMITS.workingSize;

/** Storage sizes up to terabytes (quotas are often several GB). */
function size(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? n : n.toFixed(n < 10 ? 1 : 0)} ${units[u]}`;
}

function ImportProgressView() {
  const state = useApp((s) => s.importState);
  const cancel = useApp((s) => s.cancelImport);
  const p = state.progress;
  const fraction = p && p.total > 0 ? p.done / p.total : 0;
  const phase =
    !p || p.phase === 'listing' ? 'Looking through the files…' : p.phase === 'saving' ? 'Saving' : 'Decoding';
  return (
    <div className="import-progress" data-testid="import-progress">
      <div className="import-progress-head">
        <span aria-live="polite">
          Importing <bdi>“{state.sourceName}”</bdi>: {phase}
          {p && p.total > 0 && ` ${p.done.toLocaleString()} of ${p.total.toLocaleString()} images`}
          {p && p.skipped > 0 && ` · ${p.skipped.toLocaleString()} skipped`}
          {state.status === 'cancelling' && ' · cancelling…'}
        </span>
        <button type="button" className="secondary small" onClick={cancel} disabled={state.status !== 'running'}>
          Cancel
        </button>
      </div>
      <ProgressBar fraction={fraction} label="Import progress" />
      {p?.path && p.phase !== 'listing' && (
        <p className="hint import-path">
          <bdi>{p.path}</bdi>
        </p>
      )}
      {p?.warning && <p className="warning">{p.warning}</p>}
    </div>
  );
}

function ImportOutcomeView() {
  const outcome = useApp((s) => s.importOutcome);
  const dismiss = useApp((s) => s.dismissImportOutcome);
  if (!outcome) return null;
  return (
    <div className={`import-outcome ${outcome.kind}`} data-testid="import-report">
      <div className="import-outcome-head">
        {outcome.kind === 'imported' && (
          <p className="ok-text" role="status">
            Imported <bdi>“{outcome.report.source}”</bdi>: {outcome.report.trainCount.toLocaleString()} images in{' '}
            {outcome.report.classes} classes
            {outcome.report.testCount > 0 && `, plus ${outcome.report.testCount.toLocaleString()} test images`}.
          </p>
        )}
        {outcome.kind === 'refused' && (
          <div className="error-box" role="alert">
            <p>
              <strong>
                <bdi>“{outcome.report.source}”</bdi> was not imported.
              </strong>{' '}
              {outcome.refusal.message}
            </p>
            {outcome.refusal.paths.length > 0 && (
              <ul className="skip-list">
                {outcome.refusal.paths.map((p) => (
                  <li key={p}>
                    <bdi className="path">{p}</bdi>
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {outcome.kind === 'cancelled' && <p role="status">Import cancelled; nothing was kept.</p>}
        {outcome.kind === 'failed' && (
          <p className="error-box" role="alert">
            <strong>
              <bdi>“{outcome.source}”</bdi> could not be imported:
            </strong>{' '}
            {outcome.message}
          </p>
        )}
        <button type="button" className="link-button" onClick={dismiss} aria-label="Dismiss the import report">
          Dismiss
        </button>
      </div>
      {outcome.kind !== 'failed' && outcome.report && outcome.kind !== 'cancelled' && (
        <ImportReportDetails report={outcome.report} />
      )}
    </div>
  );
}

/**
 * Bringing a dataset: the visible drop target (the whole page accepts drops, see PageDropOverlay)
 * with keyboard-reachable buttons, the import's progress with Cancel, and its report.
 */
export function DatasetImport() {
  const state = useApp((s) => s.importState);
  const fit = useApp((s) => s.importFit);
  const setFit = useApp((s) => s.setImportFit);
  const storage = useApp((s) => s.storage);
  const importDataset = useApp((s) => s.importDataset);
  const folderInput = useRef<HTMLInputElement>(null);
  const zipInput = useRef<HTMLInputElement>(null);
  const running = state.status !== 'idle';

  const onFolder = (e: ChangeEvent<HTMLInputElement>) => {
    const source = e.target.files ? sourceFromFolderInput(e.target.files) : null;
    e.target.value = '';
    if (source) void importDataset(source);
  };
  const onZip = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (file) void importDataset(sourceFromZip(file));
  };

  return (
    <div className="import">
      <div className={`dropzone ${running ? 'disabled' : ''}`} data-testid="dropzone">
        <p className="dropzone-title">
          <strong>Use your own images:</strong> drop a folder or a .zip anywhere on this page.
        </p>
        <p className="hint">
          One folder per class (<code>ROOT/&lt;class&gt;/…</code>, subfolders included), or{' '}
          <code>ROOT/train/&lt;class&gt;/…</code> with <code>ROOT/test/&lt;class&gt;/…</code>, whose test split is then
          kept.
        </p>
        <div className="dropzone-buttons">
          <button type="button" className="secondary" onClick={() => folderInput.current?.click()} disabled={running}>
            Choose folder
          </button>
          <button type="button" className="secondary" onClick={() => zipInput.current?.click()} disabled={running}>
            Choose .zip
          </button>
          <input
            ref={(el) => {
              folderInput.current = el;
              if (el) el.webkitdirectory = true;
            }}
            type="file"
            multiple
            hidden
            data-testid="folder-input"
            onChange={onFolder}
          />
          <input
            ref={zipInput}
            type="file"
            accept=".zip,application/zip"
            hidden
            data-testid="zip-input"
            onChange={onZip}
          />
        </div>
        <label className="field inline-field">
          <span>Non-square images</span>
          <select value={fit} onChange={(e) => setFit(e.target.value as ImageFit)} disabled={running}>
            {FITS.map((f) => (
              <option key={f.id} value={f.id}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <p className="hint limits">
          PNG, JPEG, WebP, GIF (first frame) or BMP, checked by content. Each image is turned upright (EXIF), fitted to{' '}
          {S}×{S} once and stored in this browser; transparency goes onto white. Files over{' '}
          {IMPORT_LIMITS.maxFileBytes / (1024 * 1024)} MB or {IMPORT_LIMITS.maxPixels / 1e6} megapixels are skipped; at
          most {IMPORT_LIMITS.maxImages.toLocaleString()} images (a warning above{' '}
          {IMPORT_LIMITS.warnImages.toLocaleString()}) and {IMPORT_LIMITS.maxClasses.toLocaleString()} classes.
          {storage && ` Storage in this browser: ${size(storage.usage)} used of ${size(storage.quota)}.`}
        </p>
      </div>
      {running && <ImportProgressView />}
      <ImportOutcomeView />
    </div>
  );
}
