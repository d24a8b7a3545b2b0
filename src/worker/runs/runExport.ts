/**
 * A stored run's downloads: the prompt file as stored (the same bytes every time), the prompt
 * as PNG (alone, and on a sample image as the model sees it), the raw prompt as .npy, and the
 * run report (JSON, and the training curves as SVG).
 */
import * as tf from '@tensorflow/tfjs-core';
import { readBatchTensor } from '../../engine/data/batches';
import type { ImageCollection } from '../../core/data/imageSet';
import { encodeNpy } from '../../engine/export/npy';
import { fileInputSpec, promptedPictures, promptPicture, type RgbaImage } from '../../engine/export/promptPictures';
import { chartsSvg } from '../../engine/export/reportCharts';
import type { ExportedFile, RunExportKind, StoredRunInfo } from '../api/runsApi';
import { getDataset } from '../datasets/datasets';
import { GENERATOR } from './runRecorder';
import { loadRunFile } from './storedRuns';

/** A file name from a run name: letters, digits, dots, dashes, underscores. */
export function fileStem(name: string): string {
  const stem = name.normalize('NFKD').replace(/[^\w.-]+/g, '-').replace(/-{2,}/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return stem.slice(0, 80) || 'autovp-prompt';
}

async function png(image: RgbaImage): Promise<ArrayBuffer> {
  const canvas = new OffscreenCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser has no 2D OffscreenCanvas in workers, which PNG export needs.');
  ctx.putImageData(new ImageData(new Uint8ClampedArray(image.rgba), image.width, image.height), 0, 0);
  return (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer();
}

const buffer = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer as ArrayBuffer;
const text = (s: string): ArrayBuffer => buffer(new TextEncoder().encode(s));

/** One image of the run's dataset (or another), or a mid-gray square when none is at hand. */
async function sampleSet(info: StoredRunInfo, fallbackId: string | undefined): Promise<{ set: ImageCollection; index: number; from: string }> {
  for (const id of [info.dataset?.id, fallbackId]) {
    if (!id) continue;
    try {
      const d = await getDataset(id);
      const set = d.test ?? d.train;
      if (set.labels.length > 0) return { set, index: 0, from: d.meta.name };
    } catch {
      // deleted or never here: try the next
    }
  }
  const side = info.design.baseSize;
  return { set: { height: side, width: side, channels: 3, pixels: new Uint8Array(side * side * 3).fill(128), labels: Int32Array.of(0) }, index: 0, from: 'gray' };
}

export async function exportRun(id: string, kind: RunExportKind, sampleDatasetId?: string): Promise<ExportedFile> {
  const { info, file, bytes } = await loadRunFile(id);
  const stem = fileStem(info.name);
  switch (kind) {
    case 'safetensors':
      return { name: `${stem}.safetensors`, mime: 'application/octet-stream', bytes: buffer(bytes) };
    case 'prompt-npy': {
      const c = file.prompt.canvas;
      return { name: `${stem}-prompt.npy`, mime: 'application/octet-stream', bytes: buffer(encodeNpy(file.prompt.delta, [c, c, 3])) };
    }
    case 'prompt-png':
      return { name: `${stem}-prompt.png`, mime: 'image/png', bytes: await png(promptPicture(file.prompt, file.manifest.promptActivation)) };
    case 'sample-png': {
      const sample = await sampleSet(info, sampleDatasetId);
      const base = await readBatchTensor(sample.set, [sample.index], file.manifest.config.baseSize);
      try {
        const [seen] = await promptedPictures(file.manifest.config, file.prompt, base, fileInputSpec(file.manifest.model));
        return { name: `${stem}-on-sample.png`, mime: 'image/png', bytes: await png(seen!) };
      } finally {
        base.dispose();
      }
    }
    case 'charts-svg':
      return { name: `${stem}-charts.svg`, mime: 'image/svg+xml', bytes: text(chartsSvg(info.name, info.epochs, info.curve.x.length ? info.curve : null)) };
    case 'report-json': {
      const report = {
        format: 'autovp-run-report',
        version: 1,
        generatedAt: new Date().toISOString(),
        generator: GENERATOR,
        backend: tf.getBackend(),
        run: info,
        prompt: file.manifest,
        files: { prompt: `${stem}.safetensors`, charts: `${stem}-charts.svg` },
      };
      return { name: `${stem}-report.json`, mime: 'application/json', bytes: text(JSON.stringify(report, null, 2)) };
    }
  }
}
