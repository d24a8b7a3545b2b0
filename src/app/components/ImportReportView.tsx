import type { ImportReport, SkipReason, SkippedFile } from '../../core/import/types';
import { IMPORT_LIMITS } from '../../core/import/types';

const MB = 1024 * 1024;

/** Headings of the skipped-file groups, most actionable first. */
export const SKIP_REASONS: Record<SkipReason, string> = {
  corrupt: 'Corrupt or undecodable',
  'empty-file': 'Empty files (0 bytes)',
  'not-image': 'Not images',
  'unsupported-format': 'Unsupported image formats',
  'too-large': `Files over ${IMPORT_LIMITS.maxFileBytes / MB} MB`,
  'too-many-pixels': `Images over ${IMPORT_LIMITS.maxPixels / 1e6} megapixels`,
  'no-class-folder': 'Not inside a class folder',
  'outside-splits': 'Outside the train and test folders',
  'unknown-test-class': 'Test images of classes not in training',
  'bad-path': 'Unsafe paths',
  unreadable: 'Could not be read',
};

/** Files listed per group; the rest are counted. */
const SHOWN = 200;

function SkippedGroup({ reason, files, count }: { reason: SkipReason; files: SkippedFile[]; count: number }) {
  return (
    <details className="skip-group" open={count <= 8} data-testid={`skipped-${reason}`}>
      <summary>
        {SKIP_REASONS[reason]} ({count.toLocaleString()})
      </summary>
      <ul className="skip-list">
        {files.slice(0, SHOWN).map((f) => (
          <li key={f.path}>
            <bdi className="path">{f.path}</bdi> <span className="muted">— {f.detail}</span>
          </li>
        ))}
        {count > Math.min(SHOWN, files.length) && <li className="muted">…and {(count - Math.min(SHOWN, files.length)).toLocaleString()} more</li>}
      </ul>
    </details>
  );
}

/** What an import did: skipped files by reason, notes and warnings. */
export function ImportReportDetails({ report }: { report: ImportReport }) {
  const groups = new Map<SkipReason, SkippedFile[]>();
  for (const s of report.skipped) groups.set(s.reason, [...(groups.get(s.reason) ?? []), s]);
  const order = (Object.keys(SKIP_REASONS) as SkipReason[]).filter((r) => groups.has(r));
  const count = (r: SkipReason) => report.skippedByReason[r] ?? groups.get(r)!.length;
  const total = order.reduce((a, r) => a + count(r), 0);
  return (
    <div className="report" data-testid="import-report-details">
      {report.warnings.map((w) => (
        <p key={w} className="warning">
          {w}
        </p>
      ))}
      <p className="hint">
        {report.files.toLocaleString()} files read from <bdi>{report.source}</bdi>
        {report.root ? (
          <>
            {' '}
            (root <bdi>{report.root}</bdi>)
          </>
        ) : null}
        {report.ignored > 0 && ` · ${report.ignored.toLocaleString()} hidden or system ${report.ignored === 1 ? 'file' : 'files'} ignored`}
        {report.seconds > 0 && ` · ${report.seconds.toFixed(1)} s`}
      </p>
      {total > 0 ? (
        <div className="skipped" aria-label="Skipped files">
          <p className="skip-title">
            {total.toLocaleString()} {total === 1 ? 'file was' : 'files were'} skipped:
          </p>
          {order.map((r) => (
            <SkippedGroup key={r} reason={r} files={groups.get(r)!} count={count(r)} />
          ))}
        </div>
      ) : (
        <p className="hint">No file was skipped.</p>
      )}
      {report.notes.length > 0 && (
        <ul className="notes">
          {report.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
