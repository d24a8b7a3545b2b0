/** A determinate progress bar (fraction in [0, 1]) that screen readers announce by its label. */
export function ProgressBar({ fraction, label }: { fraction: number; label: string }) {
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(fraction * 100)}
    >
      <span style={{ width: `${fraction * 100}%` }} />
    </div>
  );
}
