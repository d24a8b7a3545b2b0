import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FetchLike } from '../../src/engine/models/loadArtifacts';
import { toArrayBuffer } from './arrayBuffer';

/** The project's root folder. */
export function projectRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../..');
}

/** file:// URL of a folder, ending in a slash. */
export function folderUrl(dir: string): string {
  return `file://${dir.replace(/\/?$/, '/')}`;
}

export interface FileFetchLog {
  urls: string[];
}

/**
 * A fetch for file:// URLs (query strings ignored), as the app's loaders see the
 * network: 404 for a missing file. Anything else (http…) fails, so no test touches the network.
 */
export function fileFetch(log: FileFetchLog = { urls: [] }): FetchLike {
  return async (url) => {
    log.urls.push(url);
    if (!url.startsWith('file://')) throw new Error(`network access in a test: ${url}`);
    const path = fileURLToPath(url.replace(/\?.*$/, ''));
    if (!existsSync(path)) return { ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0), json: async () => null };
    const bytes = toArrayBuffer(readFileSync(path));
    return {
      ok: true,
      status: 200,
      arrayBuffer: async () => bytes,
      json: async () => JSON.parse(new TextDecoder().decode(bytes)) as unknown,
    };
  };
}
