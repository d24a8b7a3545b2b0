import type { FetchLike } from './loadArtifacts';
import type { ClassNamesRef, ModelManifest } from './manifest';

/** Number of source classes a manifest declares (inline names or the reference's count). */
export function sourceClassCount(manifest: Pick<ModelManifest, 'sourceClasses'>): number {
  return Array.isArray(manifest.sourceClasses) ? manifest.sourceClasses.length : manifest.sourceClasses.count;
}

/**
 * Class names from a file: a JSON array of strings, or a JS module whose array literal holds them
 * (`export default ["kit fox", …]`, trailing commas and comments allowed).
 */
export function parseClassNames(text: string, where: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
    } catch {
      // not strict JSON: read it as an array literal below
    }
  }
  const open = text.indexOf('[');
  const close = text.lastIndexOf(']');
  if (open < 0 || close < open) throw new Error(`${where} holds no list of class names.`);
  const body = text.slice(open + 1, close).replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const names: string[] = [];
  const literal = /"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|(\S)/g;
  for (let m = literal.exec(body); m; m = literal.exec(body)) {
    if (m[3] !== undefined) {
      if (m[3] === ',') continue;
      throw new Error(`${where}: unexpected "${m[3]}" in the list of class names.`);
    }
    const raw = m[1] ?? (m[2] as string).replace(/\\'/g, "'").replace(/"/g, '\\"');
    names.push(JSON.parse(`"${raw}"`) as string);
  }
  return names;
}

/** Fetches and checks the class names a manifest refers to. */
export async function loadClassNames(ref: ClassNamesRef, url: string, fetchFn: FetchLike): Promise<string[]> {
  const res = await fetchFn(url).catch((e: unknown) => {
    throw new Error(`Could not fetch the class names at ${url}: ${(e as Error).message}.`);
  });
  if (!res.ok) throw new Error(`Could not fetch the class names at ${url} (HTTP ${res.status}).`);
  const text = new TextDecoder().decode(await res.arrayBuffer());
  const names = parseClassNames(text, url);
  if (names.length !== ref.count) {
    throw new Error(`${url} lists ${names.length} class names; the model has ${ref.count} source classes.`);
  }
  return names;
}
