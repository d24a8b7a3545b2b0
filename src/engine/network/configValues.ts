import type { Pair } from './ir';

/** Typed reads of JSON config values; `where` names the layer or node for the error message. */
export function num(v: unknown, where: string, key: string, fallback?: number): number {
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new Error(`${where} has no "${key}".`);
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: "${key}" is not a number (${JSON.stringify(v)}).`);
  return v;
}

/** An int or a list of two ints (Keras accepts both for kernel sizes and strides). */
export function pair(v: unknown, where: string, key: string, fallback?: Pair): Pair {
  if ((v === undefined || v === null) && fallback) return fallback;
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  throw new Error(`${where}: "${key}" is not an int or a pair of ints (${JSON.stringify(v)}).`);
}

export function str(v: unknown, where: string, key: string, fallback?: string): string {
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  if (typeof v !== 'string') throw new Error(`${where}: "${key}" is not a string (${JSON.stringify(v)}).`);
  return v;
}
