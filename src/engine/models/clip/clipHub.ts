import { type ByteCache, type HubMirror, mirrored } from '../hubCache';
import type { FetchLike, LoadProgress } from '../loadArtifacts';
import { CLIP_FILES, type ClipCheckpointFiles } from './clipCheckpoint';

/** The checkpoint AutoVP uses: CLIP ViT-B/32 from OpenAI, fp32 safetensors. */
export const CLIP_VIT_B32_REPO = 'openai/clip-vit-base-patch32';

const HUB = 'https://huggingface.co';

/** Public URLs of a hub repository's CLIP files: https://huggingface.co/<repo>/resolve/<revision>/<file>. */
export function clipHubUrls(repo: string, revision = 'main'): Record<keyof typeof CLIP_FILES, string> {
  if (!/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(repo)) {
    throw new Error(`"${repo}" is not a Hugging Face repository name (owner/name, e.g. ${CLIP_VIT_B32_REPO}).`);
  }
  const at = (file: string) => `${HUB}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
  return { config: at(CLIP_FILES.config), weights: at(CLIP_FILES.weights), tokenizer: at(CLIP_FILES.tokenizer) };
}

/**
 * The three files' URLs of a checkpoint whose manifest names its weights' URL: config.json and
 * tokenizer.json sit beside model.safetensors (the hub's layout, as clipHubUrls builds it).
 */
export function clipUrlsBeside(weightsUrl: string): Record<keyof typeof CLIP_FILES, string> {
  const slash = weightsUrl.lastIndexOf('/');
  if (slash < 0 || weightsUrl.slice(slash + 1) !== CLIP_FILES.weights) {
    throw new Error(`${weightsUrl} does not name a CLIP checkpoint's ${CLIP_FILES.weights}.`);
  }
  const at = (file: string) => weightsUrl.slice(0, slash + 1) + file;
  return { config: at(CLIP_FILES.config), weights: weightsUrl, tokenizer: at(CLIP_FILES.tokenizer) };
}

/** The repository (owner/name) of a hub file URL as clipHubUrls builds it; null for other URLs. */
export function clipHubRepoOf(url: string): string | null {
  const m = /^https:\/\/huggingface\.co\/([^/]+\/[^/]+)\/resolve\//.exec(url);
  return m?.[1] ?? null;
}

export interface ClipDownloadOptions {
  /** Where files are kept by public URL (Cache Storage in the browser, a folder in the CLI); null: none. */
  cache: ByteCache | null;
  mirror?: HubMirror | null;
  /** Bytes downloaded so far against the expected total (the weights' size when known, else what has arrived). */
  onProgress?: LoadProgress;
  /** Expected size of all three files, for the progress total before the weights arrive. */
  expectedBytes?: number;
  /** As in HubFileOptions: what else to do when a file is neither online nor cached. */
  otherwise?: string;
}

export interface HubFileOptions {
  /** Where files are kept by public URL (Cache Storage in the browser, a folder in the CLI); null: none. */
  cache: ByteCache | null;
  mirror?: HubMirror | null;
  /** Bytes of this file that have arrived so far (when the response streams). */
  onBytes?: (loaded: number) => void;
  /** What else the user can do when the file is neither online nor cached (the CLI: a local folder). */
  otherwise?: string;
}

/**
 * One hub file: from the cache when it is there, otherwise from the network (streamed when the
 * response allows, through the mirror) and then kept in the cache under its public URL.
 * Failures name the URL and what to do.
 */
export async function fetchHubFile(url: string, fetchFn: FetchLike, options: HubFileOptions): Promise<Uint8Array> {
  const { cache, mirror } = options;
  const hit = cache ? await cache.get(url).catch(() => undefined) : undefined;
  if (hit) return new Uint8Array(hit);
  const from = mirrored(url, mirror);
  let res: Awaited<ReturnType<FetchLike>>;
  try {
    res = await fetchFn(from);
  } catch (e) {
    throw new Error(
      `Cannot download ${url} (${(e as Error).message}) and it is not in the cache. CLIP's files come from the ` +
        'Hugging Face hub once and are kept for offline use: connect to the internet once and load the model again' +
        (options.otherwise ? `, ${options.otherwise}.` : '.'),
      { cause: e },
    );
  }
  if (!res.ok) {
    throw new Error(
      `Downloading ${url} failed with HTTP ${res.status}` + (from !== url ? ` (fetched from ${from})` : '') +
        '. Check the repository name and that it holds a CLIP checkpoint in the hub layout (config.json, model.safetensors, tokenizer.json).',
    );
  }
  const bytes = await readStreamed(res, options.onBytes ?? (() => undefined));
  if (cache) await cache.put(url, bytes.buffer as ArrayBuffer).catch(() => undefined); // over quota: still usable now
  return bytes;
}

/**
 * Reads a CLIP checkpoint's three files through fetchHubFile: after one download the model works
 * offline. Progress counts all three files, so it moves inside the 600 MB of weights.
 */
export async function downloadClipFiles(
  urls: Record<keyof typeof CLIP_FILES, string>,
  fetchFn: FetchLike,
  options: ClipDownloadOptions,
): Promise<ClipCheckpointFiles> {
  let done = 0;
  const report = (inFlight: number) => {
    const loaded = done + inFlight;
    options.onProgress?.(loaded, Math.max(options.expectedBytes ?? 0, loaded));
  };
  const get = async (url: string) => {
    const bytes = await fetchHubFile(url, fetchFn, {
      cache: options.cache,
      mirror: options.mirror ?? null,
      onBytes: report,
      ...(options.otherwise ? { otherwise: options.otherwise } : {}),
    });
    done += bytes.byteLength;
    report(0);
    return bytes;
  };
  const config = await get(urls.config);
  const tokenizer = await get(urls.tokenizer);
  const weights = await get(urls.weights);
  return { config, weights, tokenizer };
}

/** Whether all three files are in the cache (the model then loads offline). */
export async function isClipCached(urls: Record<keyof typeof CLIP_FILES, string>, cache: ByteCache): Promise<boolean> {
  for (const url of Object.values(urls)) if (!(await cache.has(url).catch(() => false))) return false;
  return true;
}

async function readStreamed(res: Awaited<ReturnType<FetchLike>>, onBytes: (n: number) => void): Promise<Uint8Array> {
  const reader = res.body?.getReader?.();
  if (!reader) return new Uint8Array(await res.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    n += value.byteLength;
    onBytes(n);
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
