/**
 * torchvision's ImageFolder layout, read from a list of relative paths (a dropped folder, a
 * folder picked with a directory input, or a zip's central directory). Pure: no file contents,
 * no DOM. It decides which files are images of which class in which split; the import worker
 * then decodes exactly those.
 *
 *   ROOT/<class>/**\/<image>                               one pool; the app splits it
 *   ROOT/train/<class>/**\/<image> + ROOT/test/<class>/…   the given test split is kept
 *
 * - ROOT is found, not assumed: a leading folder shared by every image is stripped while some
 *   image still lies in a class folder below it (so `pets.zip` holding `pets/cat/1.jpg` and a
 *   dropped `pets/` folder read the same, and a stray image in `pets/` does not move the root).
 * - Class indices follow torchvision: class folders sorted by code point (Python's `sorted`).
 * - Nested folders inside a class folder belong to that class.
 * - Hidden and system files (`.DS_Store`, `._x`, `__MACOSX/`, `Thumbs.db`, …) are ignored.
 * - Split folder names are case-insensitive: train|training, test|testing, val|valid|validation.
 *   Without test/, val/ is the held-out split; with both, val/ joins the training pool (the app
 *   draws its own validation split from the pool).
 */

/** File extensions imported as images (torchvision's list, restricted to what browsers decode everywhere). */
export const IMAGE_EXTENSIONS: readonly string[] = ['png', 'jpg', 'jpeg', 'webp', 'gif', 'bmp'];

/** Image formats people have in folders that are not imported (not decodable everywhere, or not raster). */
const UNSUPPORTED_IMAGE_EXTENSIONS = new Set([
  'tif', 'tiff', 'svg', 'svgz', 'heic', 'heif', 'avif', 'ico', 'cur', 'psd', 'xcf', 'jxl', 'jp2', 'j2k',
  'ppm', 'pgm', 'pbm', 'pnm', 'tga', 'exr', 'hdr', 'dng', 'raw', 'cr2', 'cr3', 'nef', 'arw', 'orf', 'rw2', 'eps',
]);

export type LayoutSkipReason =
  | 'not-image'
  | 'unsupported-format'
  | 'no-class-folder'
  | 'outside-splits'
  | 'unknown-test-class'
  | 'bad-path';

export type LayoutRefusalCode = 'no-images' | 'single-class' | 'duplicate-classes' | 'too-many-classes';

export interface LayoutFile {
  /** Index of the path in the input list. */
  entry: number;
  path: string;
  label: number;
  split: 'train' | 'test';
}

export interface LayoutSkip {
  entry: number;
  path: string;
  reason: LayoutSkipReason;
  detail: string;
}

export interface LayoutClass {
  /** Display name: the folder name without control or bidi-override characters. */
  name: string;
  /** The folder's name as found. */
  folder: string;
}

/** Why the whole import is refused, and the paths that show it. */
export interface LayoutRefusal {
  code: LayoutRefusalCode;
  message: string;
  paths: string[];
}

export interface ImageFolderLayout {
  /** The stripped root, with a trailing slash ('' when the classes are at the top). */
  root: string;
  kind: 'class-folders' | 'train-test';
  /** Folder names of the splits in train-test layouts, as found. */
  splitFolders?: { train: string; test: string; mergedIntoTrain?: string };
  classes: LayoutClass[];
  /** Images to decode, train first, each split in code-point path order. */
  files: LayoutFile[];
  skipped: LayoutSkip[];
  /** Hidden and system files, ignored silently. */
  ignored: string[];
  /** Folders where a class folder would be that hold no image files. */
  emptyFolders: string[];
  notes: string[];
  refusal: LayoutRefusal | null;
}

export interface LayoutOptions {
  /** Directory paths seen while walking (a drop or a zip lists empty folders; a directory input does not). */
  dirs?: readonly string[];
  maxClasses?: number;
  /** 1 for a test set, which may cover only some of a prompt's classes (default 2). */
  minClasses?: number;
}

const SYSTEM_NAMES = new Set(['__macosx', 'thumbs.db', 'ehthumbs.db', 'desktop.ini', '$recycle.bin', 'system volume information', 'icon\r']);

/** Hidden (dot) or operating-system bookkeeping file or folder. */
export function isHiddenOrSystem(segment: string): boolean {
  return segment.startsWith('.') || SYSTEM_NAMES.has(segment.toLowerCase());
}

export type ExtensionKind = 'image' | 'unsupported-image' | 'other';

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

export function classifyExtension(name: string): ExtensionKind {
  const ext = extensionOf(name);
  if (IMAGE_EXTENSIONS.includes(ext)) return 'image';
  if (UNSUPPORTED_IMAGE_EXTENSIONS.has(ext)) return 'unsupported-image';
  return 'other';
}

/** Compares strings by Unicode code point, like Python's sorted() (JS's default compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

// Bidi embeddings, overrides, isolates and marks; BOM. Zero-width joiners stay (emoji sequences).
const BIDI_AND_BOM = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/g;
export const MAX_CLASS_NAME_LENGTH = 120;

/**
 * A folder name made safe to show and to export: control characters and bidi overrides/isolates
 * removed (a right-to-left override could make "gpj.exe" read as "exe.jpg"), whitespace collapsed,
 * NFC, at most MAX_CLASS_NAME_LENGTH code points. Markup, emoji and right-to-left letters stay as
 * they are: the UI renders names as text. Returns '' when nothing visible is left.
 */
export function cleanClassName(folder: string): string {
  const s = folder.normalize('NFC').replace(CONTROL, ' ').replace(BIDI_AND_BOM, '').replace(/\s+/gu, ' ').trim();
  const cps = Array.from(s);
  return cps.length > MAX_CLASS_NAME_LENGTH ? `${cps.slice(0, MAX_CLASS_NAME_LENGTH - 1).join('')}…` : s;
}

/** Key under which two class names count as the same (letter case and Unicode form ignored). */
export function classNameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}

type SplitRole = 'train' | 'test' | 'val';
const SPLIT_NAMES: Record<string, SplitRole> = {
  train: 'train',
  training: 'train',
  test: 'test',
  testing: 'test',
  val: 'val',
  valid: 'val',
  validation: 'val',
};

interface Parsed {
  entry: number;
  path: string;
  segs: string[];
  ext: ExtensionKind;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const quote = (s: string) => `“${s}”`;

/** Splits a relative path into segments; null for unsafe paths ('..', absolute paths, drive paths). */
export function pathSegments(path: string): string[] | null {
  // An absolute zip entry ("/evil/x.png") would otherwise become a class of its own.
  if (/^[/\\]/.test(path)) return null;
  const segs = path.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
  if (segs.some((s) => s === '..') || /^[a-z]:$/i.test(segs[0] ?? '')) return null;
  return segs;
}

/**
 * Reads an ImageFolder layout from relative file paths. Never throws on odd input: unusable files
 * are listed in `skipped`, and a layout that cannot make a dataset carries a `refusal`.
 */
export function parseImageFolder(paths: readonly string[], options: LayoutOptions = {}): ImageFolderLayout {
  const maxClasses = options.maxClasses ?? Infinity;
  const skipped: LayoutSkip[] = [];
  const ignored: string[] = [];
  const notes: string[] = [];
  const parsed: Parsed[] = [];

  paths.forEach((path, entry) => {
    const segs = pathSegments(path);
    if (!segs || segs.length === 0) {
      skipped.push({ entry, path, reason: 'bad-path', detail: 'path is absolute, leaves the folder (“..”) or is empty; not read' });
      return;
    }
    if (segs.some(isHiddenOrSystem)) {
      ignored.push(path);
      return;
    }
    parsed.push({ entry, path, segs, ext: classifyExtension(segs[segs.length - 1]!) });
  });

  const images = parsed.filter((p) => p.ext === 'image');

  // The root: strip a folder that every image lies in, as long as some image would still be in a
  // class folder below it (images loose in the root are skipped later, they do not pin the root).
  let depth = 0;
  for (;;) {
    const first = images[0]?.segs[depth];
    if (first === undefined) break;
    if (!images.every((p) => p.segs.length >= depth + 2 && p.segs[depth] === first)) break;
    if (!images.some((p) => p.segs.length >= depth + 3)) break;
    depth++;
  }
  const rootSegs = images[0]?.segs.slice(0, depth) ?? [];
  const root = rootSegs.length ? `${rootSegs.join('/')}/` : '';

  // train/ + test/ (or val/) at the root, with class folders inside train/.
  const topRole = (p: Parsed): SplitRole | undefined => SPLIT_NAMES[(p.segs[depth] ?? '').toLowerCase()];
  const underRoot = (p: Parsed) => rootSegs.every((s, i) => p.segs[i] === s);
  const rootImages = images.filter(underRoot);
  const trainImages = rootImages.filter((p) => topRole(p) === 'train' && p.segs.length > depth + 1);
  const isSplit =
    trainImages.length > 0 &&
    rootImages.some((p) => (topRole(p) === 'test' || topRole(p) === 'val') && p.segs.length > depth + 1) &&
    trainImages.every((p) => p.segs.length >= depth + 3);

  const folderOf = (role: SplitRole) => {
    const names = [...new Set(rootImages.filter((p) => p.segs.length > depth + 1 && topRole(p) === role).map((p) => p.segs[depth]!))];
    return names.sort(compareCodePoints)[0];
  };
  let splitFolders: ImageFolderLayout['splitFolders'];
  let testRole: SplitRole = 'test';
  if (isSplit) {
    const train = folderOf('train')!;
    const test = folderOf('test');
    const val = folderOf('val');
    if (test) {
      splitFolders = val ? { train, test, mergedIntoTrain: val } : { train, test };
      if (val) notes.push(`${val}/ was added to the training pool; the app draws its own validation split from it, and ${test}/ stays the test split.`);
    } else {
      testRole = 'val';
      splitFolders = { train, test: val! };
      notes.push(`There is no test/ folder, so ${val}/ is kept as the held-out test split.`);
    }
  }

  // Where each file belongs: [split, class folder] or a skip.
  type Placed = { p: Parsed; split: 'train' | 'test'; folder: string };
  const placed: Placed[] = [];
  const skip = (p: Parsed, reason: LayoutSkipReason, detail: string) => skipped.push({ entry: p.entry, path: p.path, reason, detail });
  const classDepth = isSplit ? depth + 1 : depth;
  for (const p of parsed) {
    let split: 'train' | 'test' = 'train';
    if (!underRoot(p)) {
      skip(p, p.ext === 'image' ? 'no-class-folder' : p.ext === 'unsupported-image' ? 'unsupported-format' : 'not-image', `outside the dataset root ${root}`);
      continue;
    }
    if (isSplit) {
      const role = topRole(p);
      if (p.segs.length <= depth + 1 || role === undefined) {
        if (p.ext === 'image') {
          skip(p, p.segs.length <= depth + 1 ? 'no-class-folder' : 'outside-splits', `not inside ${splitFolders!.train}/ or ${splitFolders!.test}/`);
          continue;
        }
      } else {
        split = role === 'train' || (role === 'val' && testRole === 'test') ? 'train' : 'test';
      }
    }
    if (p.ext !== 'image') {
      const ext = extensionOf(p.segs[p.segs.length - 1]!);
      if (p.ext === 'unsupported-image') {
        skip(p, 'unsupported-format', `.${ext} images are not imported; convert to PNG or JPEG`);
      } else {
        skip(p, 'not-image', ext ? `.${ext} is not an image type (PNG, JPEG, WebP, GIF, BMP)` : 'no file extension; not an image type');
      }
      continue;
    }
    if (p.segs.length < classDepth + 2) {
      skip(p, 'no-class-folder', isSplit ? `directly in ${p.segs[depth]}/, not in a class folder` : 'directly in the root folder, not in a class folder');
      continue;
    }
    placed.push({ p, split, folder: p.segs[classDepth]! });
  }

  // Classes: the class folders of the training images, in code-point order.
  const folders = [...new Set(placed.filter((x) => x.split === 'train').map((x) => x.folder))].sort(compareCodePoints);
  const label = new Map(folders.map((f, i) => [f, i]));
  const byNfc = new Map(folders.map((f, i) => [f.normalize('NFC'), i]));
  const classes: LayoutClass[] = folders.map((folder, i) => ({ folder, name: cleanClassName(folder) || `(unnamed folder ${i + 1})` }));

  const files: LayoutFile[] = [];
  const missingInTest = new Set(folders);
  for (const x of placed) {
    const l = x.split === 'train' ? label.get(x.folder) : byNfc.get(x.folder.normalize('NFC'));
    if (l === undefined) {
      skip(x.p, 'unknown-test-class', `class folder ${quote(x.folder)} is not in ${splitFolders?.train ?? 'train'}/`);
      continue;
    }
    if (x.split === 'test') missingInTest.delete(folders[l]!);
    files.push({ entry: x.p.entry, path: x.p.path, label: l, split: x.split });
  }
  files.sort((a, b) => (a.split === b.split ? compareCodePoints(a.path, b.path) : a.split === 'train' ? -1 : 1));
  skipped.sort((a, b) => a.entry - b.entry);
  if (isSplit && missingInTest.size > 0 && missingInTest.size < folders.length) {
    notes.push(`The test split has no images of ${[...missingInTest].map(quote).join(', ')}.`);
  }

  // Folders at class level without any image files (from the walk or from skipped files).
  const prefix = rootSegs.length + (isSplit ? 1 : 0);
  const levelFolders = new Set<string>();
  const addFolder = (segs: string[]) => {
    if (segs.length <= prefix || !rootSegs.every((s, i) => segs[i] === s)) return;
    if (isSplit && topRole({ segs } as Parsed) !== 'train') return;
    levelFolders.add(segs.slice(0, prefix + 1).join('/'));
  };
  for (const d of options.dirs ?? []) {
    const segs = pathSegments(d);
    if (segs && !segs.some(isHiddenOrSystem)) addFolder(segs);
  }
  for (const p of parsed) if (p.segs.length > prefix + 1) addFolder(p.segs.slice(0, -1));
  const emptyFolders = [...levelFolders].filter((f) => !label.has(f.split('/')[prefix]!)).sort(compareCodePoints);
  if (emptyFolders.length) {
    notes.push(`${plural(emptyFolders.length, 'folder')} without images ${emptyFolders.length === 1 ? 'was' : 'were'} left out: ${emptyFolders.map((f) => `${f}/`).join(', ')}.`);
  }
  if (root) notes.unshift(`Dataset root: ${root} (${isSplit ? `${splitFolders!.train}/ and ${splitFolders!.test}/ with class folders inside` : 'one folder per class'}).`);

  return {
    root,
    kind: isSplit ? 'train-test' : 'class-folders',
    ...(splitFolders ? { splitFolders } : {}),
    classes,
    files,
    skipped,
    ignored,
    emptyFolders,
    notes,
    refusal: layoutRefusal(classes, files, parsed, root, maxClasses, isSplit, options.minClasses ?? 2),
  };
}

function layoutRefusal(
  classes: LayoutClass[],
  files: LayoutFile[],
  parsed: Parsed[],
  root: string,
  maxClasses: number,
  isSplit: boolean,
  minClasses: number,
): LayoutRefusal | null {
  const expected = 'Expected one folder per class, each holding PNG, JPEG, WebP, GIF or BMP images (ROOT/<class>/…), or ROOT/train/<class>/… with ROOT/test/<class>/….';
  if (files.length === 0) {
    const seen = parsed.slice(0, 20).map((p) => p.path);
    return { code: 'no-images', message: `No images in class folders were found. ${expected}`, paths: seen };
  }
  const groups = new Map<string, LayoutClass[]>();
  for (const c of classes) {
    const k = classNameKey(c.name);
    groups.set(k, [...(groups.get(k) ?? []), c]);
  }
  const dupes = [...groups.values()].filter((g) => g.length > 1);
  if (dupes.length) {
    const list = dupes.map((g) => g.map((c) => quote(c.folder)).join(' and ')).join('; ');
    return {
      code: 'duplicate-classes',
      message: `Class folders ${list} have the same name once letter case, Unicode form and invisible characters are ignored, so they would be indistinguishable classes. Rename or merge them and import again.`,
      paths: dupes.flat().map((c) => `${root}${isSplit ? '…/' : ''}${c.folder}/`),
    };
  }
  if (classes.length > maxClasses) {
    return {
      code: 'too-many-classes',
      message: `${plural(classes.length, 'class folder')} found; at most ${maxClasses.toLocaleString('en-US')} classes are supported. Is the root right? It was taken to be ${root || 'the top level'}.`,
      paths: classes.slice(0, 20).map((c) => `${root}${c.folder}/`),
    };
  }
  if (classes.length === 1 && minClasses > 1) {
    return {
      code: 'single-class',
      message: `Only one class (${quote(classes[0]!.name)}) has images. A classifier needs at least two: add a folder per class next to it. ${expected}`,
      paths: [`${root}${isSplit ? '…/' : ''}${classes[0]!.folder}/`],
    };
  }
  return null;
}

/**
 * After decoding: classes left without a usable training image are dropped and the rest
 * renumbered (order kept). Returns the old → new label map (-1 for dropped) and the names kept.
 */
export function dropEmptyClasses(classes: readonly LayoutClass[], trainCounts: readonly number[]): { remap: Int32Array; kept: LayoutClass[]; dropped: LayoutClass[] } {
  const remap = new Int32Array(classes.length).fill(-1);
  const kept: LayoutClass[] = [];
  const dropped: LayoutClass[] = [];
  classes.forEach((c, i) => {
    if ((trainCounts[i] ?? 0) > 0) {
      remap[i] = kept.length;
      kept.push(c);
    } else {
      dropped.push(c);
    }
  });
  return { remap, kept, dropped };
}
