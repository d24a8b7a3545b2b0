/**
 * An import source (dropped folder files or a .zip) as a flat list of entries that can be read
 * one at a time. Nothing is read here beyond a zip's central directory.
 */
import type { ImportSource } from './types';
import { readZipDirectory, readZipEntry, ZipFormatError } from './zipArchive';

export interface SourceEntry {
  path: string;
  /** Size in bytes (a zip entry's declared uncompressed size). */
  size: number;
  /** The whole file; `maxBytes` bounds what a zip entry may inflate to. */
  read(maxBytes: number): Promise<Uint8Array>;
  /** Why it cannot be read at all (an encrypted zip entry, …). */
  unreadable?: string;
}

export interface SourceListing {
  kind: 'folder' | 'zip';
  name: string;
  entries: SourceEntry[];
  /** Folder paths seen, empty ones included. */
  dirs: string[];
}

export async function listSource(source: ImportSource): Promise<SourceListing> {
  if (source.kind === 'files') {
    return {
      kind: 'folder',
      name: source.name,
      dirs: source.dirs,
      entries: source.files.map(({ path, file }) => ({
        path,
        size: file.size,
        read: async () => new Uint8Array(await file.arrayBuffer()),
      })),
    };
  }
  let zipEntries;
  try {
    zipEntries = await readZipDirectory(source.file);
  } catch (e) {
    const why = e instanceof ZipFormatError ? e.message : `it could not be read (${e instanceof Error ? e.message : String(e)})`;
    throw new ZipFormatError(`${source.file.name}: ${why}`);
  }
  const entries: SourceEntry[] = [];
  const dirs: string[] = [];
  for (const z of zipEntries) {
    if (z.isDirectory) {
      dirs.push(z.name);
      continue;
    }
    entries.push({
      path: z.name,
      size: z.size,
      read: (maxBytes) => readZipEntry(source.file, z, maxBytes),
      ...(z.unreadable ? { unreadable: z.unreadable } : {}),
    });
  }
  return { kind: 'zip', name: source.name, entries, dirs };
}
