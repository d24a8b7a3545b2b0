/**
 * `autovp search --resume DIR`: an interrupted search goes on from DIR/search.json (the file it
 * rewrites after every epoch), with the same options. The trials it finished are kept, not run
 * again; the one an interruption cut short runs again from its first epoch.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resumableSearch } from '../core/search/resumeSearch';
import type { SearchState } from '../core/search/searchState';
import { type CliEnv, CliError, shownPath } from './env';

/** What a resumed search must share with the interrupted one (the worker count may change). */
interface SearchIdentity {
  config: Record<string, unknown>;
  state: Pick<SearchState, 'space' | 'asha' | 'seed' | 'budgetSeconds' | 'tuning' | 'trials'>;
}

const json = (v: unknown) => JSON.stringify(v);

/** The options that differ between the saved search and this command, in words. */
function differences(saved: { config: Record<string, unknown>; state: SearchState }, now: SearchIdentity): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(saved.config), ...Object.keys(now.config)]);
  keys.delete('workers');
  for (const k of keys) {
    if (json(saved.config[k]) !== json(now.config[k]))
      out.push(`${k}: ${json(saved.config[k])} in the search, ${json(now.config[k])} now`);
  }
  for (const k of ['space', 'asha', 'tuning'] as const) {
    if (json(saved.state[k]) !== json(now.state[k])) out.push(`the searched ${k === 'space' ? 'space' : k === 'asha' ? 'ASHA schedule' : 'tuning grid'} differs`);
  }
  const ids = (trials: SearchState['trials']) => trials.filter((t) => t.stage === 1).map((t) => t.config.id).sort();
  if (json(ids(saved.state.trials)) !== json(ids(now.state.trials))) out.push('the configurations searched differ (--max-trials, --mappings, …)');
  return out;
}

/** Reads DIR/search.json and returns its search ready to go on, or refuses in words. */
export async function resumeSearchFrom(
  dir: string,
  env: CliEnv,
  now: SearchIdentity,
): Promise<{ state: SearchState; kept: number; rerun: number; path: string }> {
  const path = join(dir, 'search.json');
  const shown = shownPath(env, path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError(`--resume ${shownPath(env, dir)}: there is no search.json there.`, [
      'Give the --out folder of the interrupted search.',
    ]);
  }
  let saved: { config?: Record<string, unknown>; state?: SearchState };
  try {
    saved = JSON.parse(text) as typeof saved;
  } catch (e) {
    throw new CliError(`--resume: ${shown} cannot be read (${(e as Error).message}).`);
  }
  if (!saved.config || !saved.state || !Array.isArray(saved.state.trials) || saved.config.command !== 'search')
    throw new CliError(`--resume: ${shown} is not the search.json of an autovp search.`);
  const differ = differences({ config: saved.config, state: saved.state }, now);
  if (differ.length)
    throw new CliError('--resume continues a search with the options it was started with; these differ:', [
      ...differ,
      'Give the same options as the interrupted command (and --resume), or start a new search without --resume.',
    ]);
  return { ...resumableSearch(saved.state), path };
}
