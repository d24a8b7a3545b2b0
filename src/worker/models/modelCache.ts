/**
 * Downloaded hub model files in Cache Storage, keyed by their public URL, so that a model used
 * once works offline afterwards. A mirror (tests) changes where files are fetched from, never
 * their keys.
 */
import { type ByteCache, cachingFetch, type HubMirror, memoryCache } from '../../engine/models/hubCache';
import type { FetchLike } from '../../engine/models/loadArtifacts';

const CACHE_NAME = 'autovp-models-v1';

let mirror: HubMirror | null = null;
let cache: ByteCache | null = null;

/** Cache Storage where the browser has it (secure contexts), else memory for this session. */
export function modelCache(): ByteCache {
  if (cache) return cache;
  if (typeof caches === 'undefined') return (cache = memoryCache());
  let opened: Promise<Cache> | null = null;
  const open = () => (opened ??= caches.open(CACHE_NAME));
  cache = {
    async get(url) {
      const res = await (await open()).match(url);
      return res ? res.arrayBuffer() : undefined;
    },
    async has(url) {
      return (await (await open()).match(url)) !== undefined;
    },
    async put(url, bytes) {
      await (await open()).put(url, new Response(bytes, { headers: { 'content-length': String(bytes.byteLength) } }));
    },
    async delete(url) {
      return (await open()).delete(url);
    },
  };
  return cache;
}

/** Tests: fetch hub files from elsewhere (public URL prefix → replacement prefix). */
export function setHubMirror(map: HubMirror | null): void {
  mirror = map && Object.keys(map).length > 0 ? { ...map } : null;
}

/** The mirror in force (passed on to helper threads that fetch the same files). */
export const hubMirror = (): HubMirror | null => mirror;

const plainFetch: FetchLike = (url) => fetch(url);

/** Fetch for hub files: the cache first, then the network (through the mirror), keeping what arrives. */
export function hubFetch(): FetchLike {
  return cachingFetch(plainFetch, modelCache(), mirror);
}
