/**
 * The few web-platform APIs core code may use, declared for the core's own type check (lib ES2022,
 * no DOM, no Node): each exists alike in browsers, workers and Node ≥ 20, so core runs in all three.
 */
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBuffer | ArrayBufferView, options?: { stream?: boolean }): string;
}
interface Blob {
  readonly size: number;
  readonly type: string;
  slice(start?: number, end?: number, contentType?: string): Blob;
  arrayBuffer(): Promise<ArrayBuffer>;
}
interface File extends Blob {
  readonly name: string;
  readonly lastModified: number;
}
