/**
 * Node's built-in modules, typed just enough for the test helpers, reached through
 * process.getBuiltinModule. The helpers were written inside src/engine, whose type-check has no
 * Node types; in test/support plain `node:` imports would do as well. Node-only.
 */
interface NodeProcess {
  getBuiltinModule(id: string): unknown;
}

export interface NodeFs {
  readFileSync(path: string): Uint8Array;
  readFileSync(path: string, encoding: 'utf8'): string;
  existsSync(path: string): boolean;
}

export interface NodePath {
  join(...parts: string[]): string;
  resolve(...parts: string[]): string;
  dirname(path: string): string;
  sep: string;
}

export interface NodeModule {
  createRequire(from: string): { (id: string): unknown; resolve(id: string): string };
}

export interface NodeUrl {
  fileURLToPath(url: string): string;
}

export interface NodeBuffer {
  Buffer: { from(data: string, encoding: 'base64'): Uint8Array };
}

export function nodeBuiltin<T>(id: 'node:fs' | 'node:path' | 'node:module' | 'node:url' | 'node:buffer'): T {
  const process = (globalThis as { process?: NodeProcess }).process;
  if (!process?.getBuiltinModule) throw new Error('This test helper needs Node ≥ 20.16.');
  return process.getBuiltinModule(id) as T;
}

/** The bytes of a Uint8Array (Buffer) as a standalone ArrayBuffer. */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
