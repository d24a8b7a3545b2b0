/**
 * Turning what the user dropped or picked into an ImportSource for the import worker. Only file
 * handles and paths are gathered here (no file is read on the main thread); the worker reads,
 * sniffs and decodes.
 */
import type { ImportFile, ImportSource } from '../../core/import/types';

const isZip = (file: File) => /\.zip$/i.test(file.name) || file.type === 'application/zip' || file.type === 'application/x-zip-compressed';
const isHidden = (name: string) => name.startsWith('.') || name === '__MACOSX';

/** Files from `<input type=file webkitdirectory>` (paths start with the chosen folder's name). */
export function sourceFromFolderInput(files: FileList): ImportSource | null {
  const list = Array.from(files);
  if (list.length === 0) return null;
  const importFiles = list.map((file) => ({ path: file.webkitRelativePath || file.name, file }));
  const name = importFiles[0]!.path.split('/')[0] || 'folder';
  return { kind: 'files', name, files: importFiles, dirs: [] };
}

export function sourceFromZip(file: File): ImportSource {
  return { kind: 'zip', name: file.name.replace(/\.zip$/i, '') || file.name, file };
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

/** Walks dropped entries: files with their paths, and every folder seen (empty ones too). */
async function walk(entry: FileSystemEntry, files: ImportFile[], dirs: string[]): Promise<void> {
  const path = entry.fullPath.replace(/^\/+/, '');
  if (entry.isFile) {
    try {
      files.push({ path, file: await fileOf(entry as FileSystemFileEntry) });
    } catch {
      // vanished or unreadable while walking: nothing to import
    }
    return;
  }
  if (!entry.isDirectory) return;
  dirs.push(`${path}/`);
  if (isHidden(entry.name)) return; // .git/, __MACOSX/: never walked
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    let batch: FileSystemEntry[];
    try {
      batch = await readBatch(reader);
    } catch {
      return;
    }
    if (batch.length === 0) return;
    await Promise.all(batch.map((e) => walk(e, files, dirs)));
  }
}

/**
 * Reads a drop. The DataTransfer's entries must be taken synchronously inside the drop event, so
 * this returns a function that does the (asynchronous) walking afterwards. Null when nothing
 * usable was dropped.
 */
export function collectDrop(dt: DataTransfer): (() => Promise<ImportSource | null>) | null {
  const entries = Array.from(dt.items)
    .filter((i) => i.kind === 'file')
    .map((i) => i.webkitGetAsEntry?.() ?? null)
    .filter((e): e is FileSystemEntry => e !== null);
  const files = Array.from(dt.files);
  if (entries.length === 0 && files.length === 0) return null;
  return async () => {
    if (entries.length === 0) {
      // No entry API (or a synthetic drop): plain files only.
      if (files.length === 1 && isZip(files[0]!)) return sourceFromZip(files[0]!);
      return { kind: 'files', name: 'dropped files', files: files.map((file) => ({ path: file.webkitRelativePath || file.name, file })), dirs: [] };
    }
    if (files.length === 1 && entries.length === 1 && entries[0]!.isFile && isZip(files[0]!)) return sourceFromZip(files[0]!);
    const out: ImportFile[] = [];
    const dirs: string[] = [];
    for (const e of entries) await walk(e, out, dirs);
    const only = entries.length === 1 ? entries[0]! : null;
    const name = only?.isDirectory ? only.name : 'dropped folders';
    return { kind: 'files', name, files: out, dirs };
  };
}
