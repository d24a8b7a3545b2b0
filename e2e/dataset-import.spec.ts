/**
 * Bringing your own dataset: a real folder (PNG and JPEG files written by this test, a few bad
 * ones among them) picked with "Choose folder", a zip with train/ + test/, a drop, refusals,
 * cancellation, a full quota, training on the imported images, and persistence across a reload.
 * Fixtures are generated into a temporary directory at run time; nothing binary is committed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { zipSync } from 'fflate';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

type Rgba = [number, number, number, number];

function png(width: number, height: number, pixel: (x: number, y: number) => Rgba): Buffer {
  const p = new PNG({ width, height });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) p.data.set(pixel(x, y), (y * width + x) * 4);
  return PNG.sync.write(p);
}

function jpg(width: number, height: number, pixel: (x: number, y: number) => Rgba, quality = 92): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4);
  return Buffer.from(jpeg.encode({ data, width, height }, quality).data);
}

/** Inserts an EXIF APP1 segment with the given orientation right after a JPEG's SOI marker. */
function withOrientation(j: Buffer, orientation: number): Buffer {
  const tiff = Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0]);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), tiff]);
  const len = payload.length + 2;
  return Buffer.concat([j.subarray(0, 2), Buffer.from([0xff, 0xe1, len >> 8, len & 0xff]), payload, j.subarray(2)]);
}

/** A valid 1×1 PNG whose header then claims width × height (nothing decodes it: refused by header). */
function pngClaiming(width: number, height: number): Buffer {
  const b = Buffer.from(png(1, 1, () => [0, 0, 0, 255]));
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b;
}

const HTML_CLASS = '<img src=x onerror=alert(1)>';
const CIRCLE = 'circle ⭕';
const SQUARE = 'مربع';

const circle = (size: number, w = size, h = size) =>
  png(w, h, (x, y) => ((x - w / 2) ** 2 + (y - h / 2) ** 2 < (size / 3) ** 2 ? [220, 40, 40, 255] : [0, 0, 0, 0]));
const square = (size: number, shade: number) =>
  jpg(size, size, (x, y) => (x > size / 4 && x < (3 * size) / 4 && y > size / 4 && y < (3 * size) / 4 ? [30, 60, shade, 255] : [240, 240, 230, 255]));
const triangle = (size: number) => png(size, size, (x, y) => (x < y ? [20, 150, 60, 255] : [250, 250, 250, 255]));

/** shapes/: three classes of eight good images each, plus bad files of every kind. */
function writeShapesFolder(root: string): string {
  const dir = join(root, 'shapes');
  const put = (rel: string, data: Buffer | string) => {
    const full = join(dir, rel);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, data);
  };
  for (let i = 0; i < 8; i++) {
    put(`${CIRCLE}/c${i}.png`, circle(40 + i * 4, 48 + i * 8, 40 + i * 4)); // landscape, transparent corners
    put(`${SQUARE}/s${i}.jpg`, square(48 + i * 6, 120 + i * 15));
    put(`${HTML_CLASS}/t${i}.png`, triangle(36 + i * 5));
  }
  put(`${CIRCLE}/broken.png`, circle(40).subarray(0, 120)); // cut short
  put(`${CIRCLE}/huge.png`, pngClaiming(9000, 6000)); // 54 megapixels by its header
  put(`${SQUARE}/empty.jpg`, '');
  put(`${SQUARE}/notes.txt`, 'not an image');
  put(`${HTML_CLASS}/evil.svg`, '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>');
  put(`${HTML_CLASS}/sneaky.png`, '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(3)</script></svg>');
  put('.DS_Store', Buffer.alloc(64, 1));
  put('empty class/readme.md', '# nothing here');
  put('stray.jpg', square(40, 100));
  return dir;
}

async function chooseFolder(page: Page, dir: string) {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose folder' }).click();
  await (await chooser).setFiles(dir);
}

async function chooseZip(page: Page, file: string) {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose .zip' }).click();
  await (await chooser).setFiles(file);
}

const datasetCard = (page: Page) => page.locator('section[aria-labelledby="dataset-title"]');

/** RGB of a thumbnail canvas at (x, y) of its own pixels. */
function thumbPixel(page: Page, label: string, x: number, y: number): Promise<number[]> {
  return page.getByRole('img', { name: label }).evaluate(
    (el, [px, py]) => Array.from((el as HTMLCanvasElement).getContext('2d')!.getImageData(px!, py!, 1, 1).data.slice(0, 3)),
    [x, y],
  );
}

/** Keys of an imported dataset's stored chunks (IndexedDB, as the workers see it). */
function storedChunkCount(page: Page, datasetId: string): Promise<number> {
  return page.evaluate(
    (id) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('autovp-datasets');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('chunks').objectStore('chunks').count(IDBKeyRange.bound([id], [id, []]));
          req.onsuccess = () => {
            resolve(req.result);
            open.result.close();
          };
          req.onerror = () => reject(req.error);
        };
      }),
    datasetId,
  );
}

let workdir = '';
test.beforeAll(() => {
  workdir = mkdtempSync(join(tmpdir(), 'autovp-import-'));
});
test.afterAll(() => {
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

test('a dropped-in folder: classes, counts, bad-file report, training, and still there after a reload', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto('./');
  await expect(page.getByTestId('dataset-summary')).toContainText('10 classes');
  await chooseFolder(page, writeShapesFolder(workdir));

  const report = page.getByTestId('import-report');
  await expect(report).toContainText('Imported “shapes”: 24 images in 3 classes', { timeout: 60_000 });
  // Every bad file is listed under its reason.
  const group = (reason: string) => report.getByTestId(`skipped-${reason}`);
  await expect(group('corrupt')).toContainText(`shapes/${CIRCLE}/broken.png`);
  await expect(group('too-many-pixels')).toContainText('9,000×6,000 is 54.0 megapixels');
  await expect(group('empty-file')).toContainText(`shapes/${SQUARE}/empty.jpg`);
  await expect(group('not-image')).toContainText(`shapes/${SQUARE}/notes.txt`);
  await expect(group('unsupported-format')).toContainText(`shapes/${HTML_CLASS}/evil.svg`);
  await expect(group('unsupported-format')).toContainText(`shapes/${HTML_CLASS}/sneaky.png`);
  await expect(group('unsupported-format')).toContainText('its content is SVG');
  await expect(group('no-class-folder')).toContainText('shapes/stray.jpg');
  await expect(report).toContainText('8 files were skipped');
  await expect(report).toContainText('1 hidden or system file ignored');
  await expect(report).toContainText('shapes/empty class/');

  // The new dataset is selected: classes (names as text, sorted by code point) with counts.
  const card = datasetCard(page);
  await expect(card.getByTestId('dataset-summary')).toContainText('3 classes · 24 training and 0 test images · 128×128 colour');
  const rows = card.locator('.class-row');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText(HTML_CLASS);
  await expect(rows.nth(1)).toContainText(CIRCLE);
  await expect(rows.nth(2)).toContainText(SQUARE);
  for (let i = 0; i < 3; i++) await expect(rows.nth(i).locator('.count')).toHaveText('8');
  await expect(page.locator('img[src="x"]')).toHaveCount(0); // the class name stayed text
  // Splits: 24 images, 10% validation, 20% test per class of 8 → 1 + 2 held out per class.
  await expect(card.getByTestId('split-sizes')).toContainText('Training pool 15 · validation 3 · test 6');
  // The card with a report is accessible (axe, WCAG rules).
  const axe = await new AxeBuilder({ page }).include('section[aria-labelledby="dataset-title"]').analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  // Transparency went onto white: the corner of a circle thumbnail.
  const corner = await thumbPixel(page, `Example 1 of class ${CIRCLE}`, 1, 1);
  expect(corner.every((v) => v > 245)).toBe(true);
  const centre = await thumbPixel(page, `Example 1 of class ${CIRCLE}`, 32, 32);
  expect(centre[0]).toBeGreaterThan(180);
  expect(centre[1]).toBeLessThan(90);

  // Train on it, briefly.
  await page.getByLabel('Training images').fill('12');
  await page.getByLabel('Validation images').fill('10');
  await page.getByLabel('Epochs').fill('1');
  await page.getByLabel('Batch size').fill('8');
  await expect(page.getByTestId('run-status')).toHaveText('Ready to train.', { timeout: 120_000 });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-status')).toContainText('Done in', { timeout: 300_000 });

  // Reload: listed and (as the last choice) selected again.
  await page.reload();
  const picker = page.getByTestId('dataset-picker');
  await expect(picker.getByTestId('imported-dataset')).toHaveCount(1);
  await expect(picker.getByRole('radio', { name: /shapes/ })).toBeChecked();
  await expect(page.getByTestId('dataset-summary')).toContainText('3 classes · 24 training');
  await card.locator('.stored-report > summary').click();
  await expect(card.locator('.stored-report')).toContainText(`shapes/${CIRCLE}/broken.png`);

  // Delete it: gone from the list, its stored pixels freed, MNIST selected.
  const id = await picker.getByRole('radio', { name: /shapes/ }).getAttribute('value');
  expect(await storedChunkCount(page, id!)).toBeGreaterThan(0);
  await picker.getByRole('button', { name: 'Delete shapes' }).click();
  await page.getByRole('button', { name: 'Delete dataset' }).click();
  await expect(picker.getByTestId('imported-dataset')).toHaveCount(0);
  await expect(picker.getByRole('radio', { name: /MNIST digits/ })).toBeChecked();
  expect(await storedChunkCount(page, id!)).toBe(0);
  expect(dialogs).toEqual([]);
});

test('a zip with train/ and test/, EXIF orientation, a drop, refusals and cancel', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('dataset-summary')).toContainText('10 classes');

  // train/ + test/ in a zip, one JPEG rotated by EXIF: left half red, right half blue, orientation 6
  // (rotate 90° clockwise), so upright the red half is on top.
  const redBlue = withOrientation(jpg(64, 32, (x) => (x < 32 ? [230, 20, 20, 255] : [20, 20, 230, 255]), 95), 6);
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < 6; i++) {
    files[`pets/train/cat/${i}.png`] = triangle(30 + i);
    files[`pets/train/dog/${i}.jpg`] = square(30 + i, 200);
    if (i < 3) files[`pets/test/cat/${i}.png`] = triangle(40 + i);
    if (i < 2) files[`pets/test/dog/${i}.jpg`] = square(40 + i, 90);
  }
  files['pets/train/a-rotated/r.jpg'] = redBlue;
  files['pets/test/bird/0.png'] = triangle(30);
  files['__MACOSX/pets/train/cat/._0.png'] = new Uint8Array(10);
  const zipPath = join(workdir, 'pets.zip');
  writeFileSync(zipPath, zipSync(files));
  await chooseZip(page, zipPath);
  const report = page.getByTestId('import-report');
  await expect(report).toContainText('Imported “pets”: 13 images in 3 classes, plus 5 test images', { timeout: 60_000 });
  await expect(report.getByTestId('skipped-unknown-test-class')).toContainText('pets/test/bird/0.png');
  await expect(page.getByTestId('split-sizes')).toContainText('test 5 (the dataset’s own test split)');
  await expect(page.getByLabel('Test share (%)')).toBeDisabled();
  const top = await thumbPixel(page, 'Example 1 of class a-rotated', 32, 8);
  const bottom = await thumbPixel(page, 'Example 1 of class a-rotated', 32, 56);
  expect(top[0]).toBeGreaterThan(150);
  expect(top[2]).toBeLessThan(100);
  expect(bottom[2]).toBeGreaterThan(150);
  expect(bottom[0]).toBeLessThan(100);

  // A real folder dropped on the page (the browser's file-system entries are walked), with a
  // truly empty class folder, which only a drop or a zip can show.
  const dropped = join(workdir, 'dropped');
  for (const c of ['left', 'right']) {
    mkdirSync(join(dropped, c, 'nested'), { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(join(dropped, c, 'nested', `${i}.png`), triangle(20 + i));
  }
  mkdirSync(join(dropped, 'empty'));
  const cdp = await page.context().newCDPSession(page);
  const dragData = { items: [], files: [dropped], dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop'] as const) {
    await cdp.send('Input.dispatchDragEvent', { type, x: 900, y: 400, data: dragData });
  }
  await expect(report).toContainText('Imported “dropped”: 6 images in 2 classes');
  await expect(report).toContainText('1 folder without images was left out: dropped/empty/.');
  await expect(page.getByTestId('imported-dataset')).toHaveCount(2);

  // A drop anywhere on the page (a zip holding a single class): refused, with the folder named.
  const single = Buffer.from(zipSync({ 'only/cat/1.png': triangle(20), 'only/cat/2.png': triangle(21) })).toString('base64');
  await page.evaluate((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'only.zip', { type: 'application/zip' }));
    const target = document.querySelector('.results') ?? document.body;
    for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
  }, single);
  await expect(report).toContainText('“only” was not imported.');
  await expect(report).toContainText('Only one class (“cat”) has images');
  await expect(report.getByRole('alert')).toContainText('only/cat/');

  // Not a zip at all.
  const fake = join(workdir, 'fake.zip');
  writeFileSync(fake, 'this is text');
  await chooseZip(page, fake);
  await expect(report).toContainText('could not be imported');
  await expect(report).toContainText('not a zip archive');

  // A large import can be cancelled; nothing is kept.
  const many: Record<string, Uint8Array> = {};
  for (let i = 0; i < 3000; i++) many[`big/${i % 2 ? 'odd' : 'even'}/${i}.png`] = png(160, 120, (x, y) => [(x * i) % 256, y, i % 256, 255]);
  const bigPath = join(workdir, 'big.zip');
  writeFileSync(bigPath, zipSync(many, { level: 1 }));
  await chooseZip(page, bigPath);
  const progress = page.getByTestId('import-progress');
  await expect(progress).toContainText(/Decoding \d+ of 3,000 images/);
  await progress.getByRole('button', { name: 'Cancel' }).click();
  await expect(report).toContainText('Import cancelled; nothing was kept.', { timeout: 30_000 });
  await expect(page.getByTestId('imported-dataset')).toHaveCount(2); // still only "pets" and "dropped"
});

test('a full storage quota is explained, with what to do, and nothing is kept', async ({ page }) => {
  // Chrome applies a quota override only to storage connections opened after it: set it first.
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(test.info().project.use.baseURL!).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 64 * 1024 });
  await page.goto('./');
  await expect(page.getByTestId('dataset-summary')).toContainText('10 classes');
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < 10; i++) files[`q/${i % 2 ? 'a' : 'b'}/${i}.png`] = triangle(30 + i);
  const zipPath = join(workdir, 'q.zip');
  writeFileSync(zipPath, zipSync(files));
  await chooseZip(page, zipPath);
  const report = page.getByTestId('import-report');
  await expect(report).toContainText('“q” was not imported.', { timeout: 30_000 });
  await expect(report).toContainText('storage for this site is full');
  await expect(report).toContainText('Delete imported datasets you no longer need');
  await expect(page.getByTestId('imported-dataset')).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('dataset-summary')).toContainText('10 classes');
  await expect(page.getByTestId('imported-dataset')).toHaveCount(0);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
});
