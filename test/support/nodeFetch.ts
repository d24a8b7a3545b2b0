import type { FetchLike } from '../../src/engine/models/loadArtifacts';
import { type NodeFs, type NodePath, type NodeUrl, nodeBuiltin, toArrayBuffer } from './network/nodeBuiltins';

/** Node-only: the project's root folder. */
export function projectRoot(): string {
  const path = nodeBuiltin<NodePath>('node:path');
  const here = path.dirname(nodeBuiltin<NodeUrl>('node:url').fileURLToPath(import.meta.url));
  return path.resolve(here, '../..');
}

/** file:// URL of a folder, ending in a slash. */
export function folderUrl(dir: string): string {
  return `file://${dir.replace(/\/?$/, '/')}`;
}

export interface FileFetchLog {
  urls: string[];
}

/**
 * Node-only: a fetch for file:// URLs (query strings ignored), as the app's loaders see the
 * network: 404 for a missing file. Anything else (http…) fails, so no test touches the network.
 */
export function fileFetch(log: FileFetchLog = { urls: [] }): FetchLike {
  const fs = nodeBuiltin<NodeFs>('node:fs');
  const { fileURLToPath } = nodeBuiltin<NodeUrl>('node:url');
  return async (url) => {
    log.urls.push(url);
    if (!url.startsWith('file://')) throw new Error(`network access in a test: ${url}`);
    const path = fileURLToPath(url.replace(/\?.*$/, ''));
    if (!fs.existsSync(path)) return { ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0), json: async () => null };
    const bytes = toArrayBuffer(fs.readFileSync(path));
    return {
      ok: true,
      status: 200,
      arrayBuffer: async () => bytes,
      json: async () => JSON.parse(new TextDecoder().decode(bytes)) as unknown,
    };
  };
}
