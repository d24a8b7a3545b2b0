import { describe, expect, it } from 'vitest';
import { cleanClassName, compareCodePoints, dropEmptyClasses, parseImageFolder, type ImageFolderLayout } from './imageFolderLayout';

/** [path, class name, split] of every file the layout imports. */
const assigned = (l: ImageFolderLayout) => l.files.map((f) => [f.path, l.classes[f.label]!.name, f.split]);
const skips = (l: ImageFolderLayout) => Object.fromEntries(l.skipped.map((s) => [s.path, s.reason]));

describe('parseImageFolder: class folders', () => {
  it('reads ROOT/<class>/<image>, strips the dropped folder and sorts classes like torchvision', () => {
    const l = parseImageFolder(['pets/dog/b.jpg', 'pets/cat/a.png', 'pets/dog/a.JPEG', 'pets/cat/c.webp']);
    expect(l.root).toBe('pets/');
    expect(l.kind).toBe('class-folders');
    expect(l.classes.map((c) => c.name)).toEqual(['cat', 'dog']);
    expect(assigned(l)).toEqual([
      ['pets/cat/a.png', 'cat', 'train'],
      ['pets/cat/c.webp', 'cat', 'train'],
      ['pets/dog/a.JPEG', 'dog', 'train'],
      ['pets/dog/b.jpg', 'dog', 'train'],
    ]);
    expect(l.refusal).toBeNull();
    expect(l.files.map((f) => f.entry)).toEqual([1, 3, 2, 0]);
  });

  it('reads a zip of the classes themselves (no root folder) and one wrapped in several folders', () => {
    expect(parseImageFolder(['cat/1.png', 'dog/1.png']).root).toBe('');
    const l = parseImageFolder(['data/images/cat/1.png', 'data/images/dog/1.png', 'data/images/dog/2.png']);
    expect(l.root).toBe('data/images/');
    expect(l.classes.map((c) => c.name)).toEqual(['cat', 'dog']);
  });

  it('walks nested folders into their class and takes every supported extension', () => {
    const l = parseImageFolder(['r/cat/2019/summer/a.gif', 'r/cat/b.bmp', 'r/dog/x/y/z.png']);
    expect(assigned(l)).toEqual([
      ['r/cat/2019/summer/a.gif', 'cat', 'train'],
      ['r/cat/b.bmp', 'cat', 'train'],
      ['r/dog/x/y/z.png', 'dog', 'train'],
    ]);
  });

  it('ignores hidden and system files anywhere, silently', () => {
    const l = parseImageFolder([
      'r/cat/a.png',
      'r/dog/a.png',
      'r/.DS_Store',
      'r/cat/._a.png',
      '__MACOSX/r/cat/._a.png',
      'r/dog/Thumbs.db',
      'r/dog/desktop.ini',
      'r/.git/objects/ab.png',
      'r/.hidden/c.png',
    ]);
    expect(l.ignored).toHaveLength(7);
    expect(l.skipped).toEqual([]);
    expect(l.classes.map((c) => c.name)).toEqual(['cat', 'dog']);
    expect(l.files).toHaveLength(2);
  });

  it('skips non-images, unsupported image formats, loose files and unsafe paths with specific reasons', () => {
    const l = parseImageFolder([
      'r/cat/a.png',
      'r/dog/a.jpg',
      'r/cat/notes.txt',
      'r/dog/vector.svg',
      'r/dog/photo.heic',
      'r/dog/scan.TIFF',
      'r/README.md',
      'r/loose.png',
      'r/dog/noext',
      'r/../../etc/passwd.png',
    ]);
    expect(l.root).toBe('r/'); // the stray image does not pin the root
    expect(skips(l)).toEqual({
      'r/cat/notes.txt': 'not-image',
      'r/dog/vector.svg': 'unsupported-format',
      'r/dog/photo.heic': 'unsupported-format',
      'r/dog/scan.TIFF': 'unsupported-format',
      'r/README.md': 'not-image',
      'r/loose.png': 'no-class-folder',
      'r/dog/noext': 'not-image',
      'r/../../etc/passwd.png': 'bad-path',
    });
    expect(l.skipped.find((s) => s.path === 'r/dog/vector.svg')!.detail).toMatch(/\.svg .*convert to PNG or JPEG/);
    expect(l.files).toHaveLength(2);
    expect(l.refusal).toBeNull();
  });

  it('skips images lying directly in the root', () => {
    const l = parseImageFolder(['cat/a.png', 'dog/b.png', 'stray.png']);
    expect(skips(l)).toEqual({ 'stray.png': 'no-class-folder' });
    expect(l.skipped[0]!.detail).toMatch(/not in a class folder/);
  });

  it('is independent of the input order and normalises Windows separators', () => {
    const paths = ['x\\cat\\1.png', 'x\\dog\\2.png', 'x\\dog\\1.png'];
    const a = parseImageFolder(paths);
    const b = parseImageFolder([...paths].reverse());
    expect(a.files.map((f) => f.path)).toEqual(b.files.map((f) => f.path));
    expect(a.root).toBe('x/');
    expect(a.classes.map((c) => c.folder)).toEqual(['cat', 'dog']);
  });
});

describe('parseImageFolder: train/ and test/', () => {
  it('uses the given test split and matches its classes by name', () => {
    const l = parseImageFolder(['ds/train/b/1.png', 'ds/train/a/1.png', 'ds/test/a/9.png', 'ds/Test/b/9.png', 'ds/test/zebra/1.png']);
    expect(l.kind).toBe('train-test');
    expect(l.root).toBe('ds/');
    expect(l.splitFolders).toEqual({ train: 'train', test: 'Test' });
    expect(assigned(l)).toEqual([
      ['ds/train/a/1.png', 'a', 'train'],
      ['ds/train/b/1.png', 'b', 'train'],
      ['ds/Test/b/9.png', 'b', 'test'],
      ['ds/test/a/9.png', 'a', 'test'],
    ]);
    expect(skips(l)).toEqual({ 'ds/test/zebra/1.png': 'unknown-test-class' });
  });

  it('keeps val/ as the test split when there is no test/, and merges it into training when there is', () => {
    const v = parseImageFolder(['train/a/1.png', 'train/b/1.png', 'val/a/2.png', 'val/b/2.png']);
    expect(v.kind).toBe('train-test');
    expect(v.splitFolders).toEqual({ train: 'train', test: 'val' });
    expect(v.files.filter((f) => f.split === 'test')).toHaveLength(2);
    expect(v.notes.join(' ')).toMatch(/no test\/ folder, so val\/ is kept as the held-out test split/);

    const tv = parseImageFolder(['train/a/1.png', 'train/b/1.png', 'validation/a/2.png', 'test/a/3.png', 'test/b/3.png']);
    expect(tv.splitFolders).toEqual({ train: 'train', test: 'test', mergedIntoTrain: 'validation' });
    expect(assigned(tv).filter(([, , s]) => s === 'train').map(([p]) => p)).toEqual(['train/a/1.png', 'train/b/1.png', 'validation/a/2.png']);
  });

  it('skips images outside the split folders and images loose in train/', () => {
    const l = parseImageFolder(['train/a/1.png', 'train/b/1.png', 'test/a/1.png', 'extra/a/5.png', 'test/loose.png']);
    expect(skips(l)).toEqual({ 'extra/a/5.png': 'outside-splits', 'test/loose.png': 'no-class-folder' });
  });

  it('notes train classes missing from test', () => {
    const l = parseImageFolder(['train/a/1.png', 'train/b/1.png', 'test/a/1.png']);
    expect(l.notes.join(' ')).toMatch(/test split has no images of “b”/);
  });

  it('treats a lone train/ folder as the root, and classes named train and test as classes when they hold images directly', () => {
    const lone = parseImageFolder(['train/a/1.png', 'train/b/1.png']);
    expect(lone.kind).toBe('class-folders');
    expect(lone.root).toBe('train/');
    const named = parseImageFolder(['train/1.png', 'test/1.png']);
    expect(named.kind).toBe('class-folders');
    expect(named.classes.map((c) => c.name)).toEqual(['test', 'train']);
  });
});

describe('parseImageFolder: refusals and odd names', () => {
  it('refuses a single class, naming it', () => {
    const l = parseImageFolder(['pets/cat/1.png', 'pets/cat/2.png', 'pets/dog/readme.txt']);
    expect(l.refusal?.code).toBe('single-class');
    expect(l.refusal?.message).toMatch(/Only one class \(“cat”\)/);
    expect(l.refusal?.paths).toEqual(['pets/cat/']);
  });

  it('refuses when there are no images, listing what was seen', () => {
    const l = parseImageFolder(['notes/a.txt', 'notes/b.csv']);
    expect(l.refusal?.code).toBe('no-images');
    expect(l.refusal?.paths).toEqual(['notes/a.txt', 'notes/b.csv']);
    expect(parseImageFolder([]).refusal?.code).toBe('no-images');
  });

  it('refuses class folders whose names differ only in case, Unicode form or invisible characters', () => {
    const nfc = 'caf\u00e9';
    const nfd = 'cafe\u0301';
    const l = parseImageFolder([`r/${nfc}/1.png`, `r/${nfd}/1.png`, 'r/dog/1.png']);
    expect(l.refusal?.code).toBe('duplicate-classes');
    expect(l.refusal?.paths).toHaveLength(2);
    const c = parseImageFolder(['r/Cat/1.png', 'r/cat/1.png', 'r/dog/1.png']);
    expect(c.refusal?.code).toBe('duplicate-classes');
    expect(c.refusal?.message).toMatch(/“Cat” and “cat”/);
    const z = parseImageFolder(['r/ab/1.png', 'r/a\u200Fb/1.png']);
    expect(z.refusal?.code).toBe('duplicate-classes');
  });

  it('refuses too many classes', () => {
    const paths = Array.from({ length: 12 }, (_, i) => `r/c${i}/1.png`);
    expect(parseImageFolder(paths, { maxClasses: 10 }).refusal?.code).toBe('too-many-classes');
    expect(parseImageFolder(paths, { maxClasses: 12 }).refusal).toBeNull();
  });

  it('keeps markup, emoji and right-to-left names as text, minus control and bidi-override characters', () => {
    const html = '<img src=x onerror=alert(1)>';
    const l = parseImageFolder([`r/${html}/1.png`, 'r/🐱 cats/1.png', 'r/قطط/1.png', 'r/evil\u202Egnp.exe/1.png']);
    expect(l.refusal).toBeNull();
    expect(l.classes.map((c) => c.name)).toEqual([html, 'evilgnp.exe', 'قطط', '🐱 cats']);
    expect(l.classes[1]!.folder).toBe('evil\u202Egnp.exe');
    expect(cleanClassName('  a\tb\u0000c  ')).toBe('a b c');
    expect(cleanClassName('👨\u200D👩\u200D👧')).toBe('👨\u200D👩\u200D👧'); // joiners stay
    expect(cleanClassName('\u202E\u2066')).toBe('');
    expect(Array.from(cleanClassName('x'.repeat(500)))).toHaveLength(120);
  });

  it('names a folder with nothing visible', () => {
    const l = parseImageFolder(['r/\u202E/1.png', 'r/b/1.png']);
    expect(l.classes.map((c) => c.name)).toEqual(['b', '(unnamed folder 2)']);
  });

  it('lists class-level folders without images (from the walk and from skipped files)', () => {
    const l = parseImageFolder(['r/cat/1.png', 'r/dog/1.png', 'r/empty-notes/readme.txt'], { dirs: ['r/', 'r/cat/', 'r/empty/', 'r/empty/deeper/', 'r/.git/'] });
    expect(l.emptyFolders).toEqual(['r/empty', 'r/empty-notes']);
    expect(l.notes.join(' ')).toMatch(/2 folders without images were left out: r\/empty\/, r\/empty-notes\//);
  });
});

describe('helpers', () => {
  it('compares by code point like Python (astral characters after U+FFxx)', () => {
    const names = ['\u{1F431}', '\uFF41', 'b', 'B', 'a'];
    expect([...names].sort(compareCodePoints)).toEqual(['B', 'a', 'b', '\uFF41', '\u{1F431}']);
    expect([...names].sort()).not.toEqual([...names].sort(compareCodePoints)); // JS's default differs
  });

  it('drops classes without training images and renumbers the rest', () => {
    const classes = ['a', 'b', 'c', 'd'].map((n) => ({ name: n, folder: n }));
    const r = dropEmptyClasses(classes, [3, 0, 5, 0]);
    expect(Array.from(r.remap)).toEqual([0, -1, 1, -1]);
    expect(r.kept.map((c) => c.name)).toEqual(['a', 'c']);
    expect(r.dropped.map((c) => c.name)).toEqual(['b', 'd']);
  });
});
