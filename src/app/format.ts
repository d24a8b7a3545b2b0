export const percent = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(digits)}%`;

/**
 * "42 s", "3 min 0 s", "1 h 5 min". Rounds once, to the unit shown, before splitting into units,
 * so a remainder never rounds up to a full unit ("3 min 60 s", "1 h 60 min").
 */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const total = Math.round(seconds);
  if (total < 60) return `${total} s`;
  if (total < 3600) return `${Math.floor(total / 60)} min ${total % 60} s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

/**
 * "12.3 MB/s, about 45 s left" from what a download has brought so far; null until there is a rate
 * worth extrapolating (a second in and a byte past the start).
 */
export function downloadPace(loadedBytes: number, totalBytes: number, elapsedSeconds: number): string | null {
  if (elapsedSeconds < 1 || loadedBytes <= 0) return null;
  const rate = loadedBytes / elapsedSeconds;
  const left = Math.max(0, totalBytes - loadedBytes) / rate;
  return `${bytes(rate)}/s, about ${duration(left)} left`;
}
