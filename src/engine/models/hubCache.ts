import { type FetchLike, modelFileUrls, parseModelJsonText } from './loadArtifacts';

/**
 * Where downloaded model files are kept, keyed by their public URL. In the browser this is Cache
 * Storage (works offline, in the worker); in tests a Map.
 */
export interface ByteCache {
  get(url: string): Promise<ArrayBuffer | undefined>;
  /** Whether the URL is stored, without reading it. */
  has(url: string): Promise<boolean>;
  put(url: string, bytes: ArrayBuffer): Promise<void>;
  delete(url: string): Promise<boolean>;
}

/**
 * A mirror for hub files: public URL prefix → replacement prefix. Tests point the public URLs at
 * local copies; the cache still keys files by their public URL.
 */
export type HubMirror = Readonly<Record<string, string>>;

/** Where a public URL is actually fetched from under a mirror (the longest matching prefix wins). */
export function mirrored(url: string, mirror: HubMirror | null | undefined): string {
  if (!mirror) return url;
  let best: string | null = null;
  for (const prefix of Object.keys(mirror)) {
    if (url.startsWith(prefix) && (best === null || prefix.length > best.length)) best = prefix;
  }
  return best === null ? url : (mirror[best] as string) + url.slice(best.length);
}

const bytesResponse = (bytes: ArrayBuffer): Awaited<ReturnType<FetchLike>> => ({
  ok: true,
  status: 200,
  arrayBuffer: async () => bytes,
  json: async () => JSON.parse(new TextDecoder().decode(bytes)) as unknown,
});

/**
 * A fetch that answers from the cache when it can and otherwise fetches (through the mirror) and
 * keeps what it got. A failed or partial download keeps the files that did arrive, so a retry
 * resumes; a model counts as cached only when every one of its files is there.
 */
export function cachingFetch(fetchFn: FetchLike, cache: ByteCache | null, mirror?: HubMirror | null): FetchLike {
  return async (url) => {
    const hit = cache ? await cache.get(url).catch(() => undefined) : undefined;
    if (hit) return bytesResponse(hit);
    const res = await fetchFn(mirrored(url, mirror));
    if (!res.ok || !cache) return res;
    const bytes = await res.arrayBuffer();
    await cache.put(url, bytes).catch(() => undefined); // quota: still usable this time
    return bytesResponse(bytes);
  };
}

/** Every file of a model in the cache (model.json parsed from the cache), or null when model.json is not cached. */
async function cachedFiles(modelJsonUrl: string, cache: ByteCache): Promise<string[] | null> {
  const bytes = await cache.get(modelJsonUrl).catch(() => undefined);
  if (!bytes) return null;
  try {
    return modelFileUrls(modelJsonUrl, parseModelJsonText(new TextDecoder().decode(bytes), modelJsonUrl));
  } catch {
    return [modelJsonUrl];
  }
}

/** True when model.json and every shard it lists (and the extra files, e.g. class names) are cached. */
export async function isModelCached(modelJsonUrl: string, cache: ByteCache, extra: string[] = []): Promise<boolean> {
  const files = await cachedFiles(modelJsonUrl, cache);
  if (!files) return false;
  for (const url of [...files.slice(1), ...extra]) {
    if (!(await cache.has(url).catch(() => false))) return false;
  }
  return true;
}

/** Removes a model's files (and the extra ones) from the cache. */
export async function removeModelFromCache(modelJsonUrl: string, cache: ByteCache, extra: string[] = []): Promise<void> {
  const files = (await cachedFiles(modelJsonUrl, cache)) ?? [modelJsonUrl];
  for (const url of [...files, ...extra]) await cache.delete(url).catch(() => false);
}

/** A ByteCache in memory (tests, and browsers without Cache Storage). */
export function memoryCache(): ByteCache & { readonly size: number; keys(): string[] } {
  const map = new Map<string, ArrayBuffer>();
  return {
    get: async (url) => map.get(url),
    has: async (url) => map.has(url),
    put: async (url, bytes) => void map.set(url, bytes),
    delete: async (url) => map.delete(url),
    get size() {
      return map.size;
    },
    keys: () => [...map.keys()],
  };
}
