/**
 * Progress on stderr: on a terminal one status line redrawn in place (epoch, batch, loss,
 * accuracy, images/s, ETA); otherwise (a pipe, a log file, CI) plain lines, the status at most
 * every `plainEverySeconds`. Results go to stdout, so `autovp … > out.txt` keeps them apart.
 */
import type { Writer } from './env';

export interface ProgressOptions {
  quiet?: boolean;
  /** Without a terminal, print a status line at most this often (seconds). */
  plainEverySeconds?: number;
  now?: () => number;
}

export class Progress {
  private statusShown = false;
  private lastPlain = -Infinity;
  private readonly tty: boolean;
  private readonly every: number;
  private readonly now: () => number;

  constructor(
    private readonly out: Writer,
    private readonly options: ProgressOptions = {},
  ) {
    this.tty = Boolean(out.isTTY);
    this.every = options.plainEverySeconds ?? 15;
    this.now = options.now ?? (() => performance.now());
    // Without a terminal the first status line comes after `every` seconds, not at once.
    this.lastPlain = this.now() / 1000;
  }

  /** A line that stays (a phase, an epoch's result, a note). */
  line(text: string): void {
    if (this.options.quiet) return;
    this.clear();
    this.out.write(`${text}\n`);
  }

  /** Transient status: redrawn on a terminal, throttled plain lines elsewhere (`force` prints now). */
  status(text: string, force = false): void {
    if (this.options.quiet) return;
    if (this.tty) {
      const width = Math.max(20, (this.out.columns ?? 100) - 1);
      const shown = text.length > width ? `${text.slice(0, width - 1)}…` : text;
      this.out.write(`\r\x1b[2K${shown}`);
      this.statusShown = true;
      return;
    }
    const t = this.now() / 1000;
    if (!force && t - this.lastPlain < this.every) return;
    this.lastPlain = t;
    this.out.write(`${text}\n`);
  }

  /** Removes the status line (before other output, and at the end). */
  clear(): void {
    if (this.statusShown) {
      this.out.write('\r\x1b[2K');
      this.statusShown = false;
    }
  }
}

/** 75 → "1m15s", 3700 → "1h01m", 8 → "8s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** 0.8333 → "83.3%" (NaN → "–"). */
export const percent = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`;

export const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
