/**
 * What every command gets from the outside: where the project is (for public/generated and the
 * wasm binaries), where to write, the environment variables it reads, and how to reach the
 * network (never in tests: AUTOVP_OFFLINE=1).
 */
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';

/** A usage or input problem: printed as "autovp: <message>" with exit code 1, no stack. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    /** Extra lines printed under the message (files concerned, hints). */
    readonly details: string[] = [],
    /** The exit code (130 for an interrupt, as shells report SIGINT). */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface Writer {
  write(text: string): void;
  /** A terminal: progress redraws one line. */
  isTTY?: boolean;
  columns?: number;
}

export interface CliEnv {
  /** The project root (holding package.json, public/, node_modules/). */
  root: string;
  cwd: string;
  stdout: Writer;
  stderr: Writer;
  /** Environment variables (AUTOVP_CACHE_DIR, AUTOVP_OFFLINE, AUTOVP_HUB_MIRROR, XDG_CACHE_HOME, AUTOVP_DEBUG). */
  vars: Readonly<Record<string, string | undefined>>;
  /** Network fetch (Node's global fetch by default). */
  fetch?: typeof fetch;
  /** Aborted like a Ctrl-C (SIGINT / SIGTERM, which the commands also listen for): for callers in process. */
  interrupt?: AbortSignal;
}

export const publicDir = (env: CliEnv) => join(env.root, 'public');

/** Where downloaded hub models are kept: $AUTOVP_CACHE_DIR, else $XDG_CACHE_HOME/autovp, else ~/.cache/autovp. */
export function cacheDir(env: CliEnv): string {
  const own = env.vars.AUTOVP_CACHE_DIR;
  if (own) return resolve(env.cwd, own);
  const xdg = env.vars.XDG_CACHE_HOME;
  return xdg ? join(xdg, 'autovp') : join(homedir(), '.cache', 'autovp');
}

export const isOffline = (env: CliEnv) => ['1', 'true', 'yes'].includes((env.vars.AUTOVP_OFFLINE ?? '').toLowerCase());

/** A path for messages: relative to the working directory when inside it, else absolute. */
export function shownPath(env: CliEnv, path: string): string {
  const rel = relative(env.cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
