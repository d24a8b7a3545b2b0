/**
 * Hub model files on disk, keyed by their public URL, so that a model downloaded once works
 * offline afterwards (the CLI's counterpart of the browser's Cache Storage). One file per URL
 * under DIR/hub/, named by a hash of the URL plus the URL's last path segment for people
 * looking at the folder. Writes go through a temporary file and a rename, so an interrupted
 * download never leaves a truncated file behind.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ByteCache, HubMirror } from '../engine/models/hubCache';
import type { FetchLike } from '../engine/models/loadArtifacts';
import { type CliEnv, isOffline } from './env';

export function fileName(url: string): string {
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 16);
  const last = (
    url
      .replace(/[?#].*$/, '')
      .split('/')
      .pop() ?? ''
  )
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 60);
  return `${hash}-${last || 'file'}`;
}

export function diskCache(dir: string): ByteCache {
  const folder = join(dir, 'hub');
  const path = (url: string) => join(folder, fileName(url));
  return {
    async get(url) {
      try {
        const b = await readFile(path(url));
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
      } catch {
        return undefined;
      }
    },
    async has(url) {
      return (await stat(path(url)).catch(() => null))?.isFile() ?? false;
    },
    async put(url, bytes) {
      await mkdir(folder, { recursive: true });
      const tmp = `${path(url)}.${process.pid}.tmp`;
      await writeFile(tmp, new Uint8Array(bytes));
      await rename(tmp, path(url));
    },
    async delete(url) {
      try {
        await unlink(path(url));
        return true;
      } catch {
        return false;
      }
    },
  };
}

/**
 * AUTOVP_HUB_MIRROR: a JSON object {public URL prefix: replacement prefix} (e.g. file:// URLs of
 * a local copy), for air-gapped machines and tests. The cache still keys files by public URL.
 */
export function hubMirror(env: CliEnv): HubMirror | null {
  const raw = env.vars.AUTOVP_HUB_MIRROR;
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.values(value).every((v) => typeof v === 'string')
    ) {
      return value as HubMirror;
    }
  } catch {
    // fall through
  }
  throw new Error('AUTOVP_HUB_MIRROR must be a JSON object mapping public URL prefixes to replacement prefixes.');
}

const fileResponse = (bytes: ArrayBuffer | null): Awaited<ReturnType<FetchLike>> =>
  bytes
    ? {
        ok: true,
        status: 200,
        arrayBuffer: async () => bytes,
        json: async () => JSON.parse(new TextDecoder().decode(bytes)) as unknown,
      }
    : { ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0), json: async () => null };

/** Reads file:// URLs from disk (404 when missing; the query string is ignored). */
export async function readFileUrl(url: string): Promise<Awaited<ReturnType<FetchLike>>> {
  try {
    const b = await readFile(fileURLToPath(url.replace(/[?#].*$/, '')));
    return fileResponse(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  } catch {
    return fileResponse(null);
  }
}

/**
 * The network as the loaders see it: file:// from disk, http(s) through fetch, counting the
 * bytes that arrive (`onBytes`) so that a large file shows progress. With AUTOVP_OFFLINE=1 any
 * network access fails with a message naming the URL.
 */
export function networkFetch(env: CliEnv, onBytes?: (n: number) => void): FetchLike {
  return async (url) => {
    if (url.startsWith('file:')) return readFileUrl(url);
    if (isOffline(env)) throw new Error(`network access is off (AUTOVP_OFFLINE=1) and ${url} is not in the cache`);
    const res = await (env.fetch ?? fetch)(url);
    if (!res.ok || !res.body) return res;
    const reader = res.body.getReader();
    const parts: Uint8Array[] = [];
    let n = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      n += value.byteLength;
      onBytes?.(value.byteLength);
    }
    const bytes = new Uint8Array(n);
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.byteLength;
    }
    return fileResponse(bytes.buffer);
  };
}
