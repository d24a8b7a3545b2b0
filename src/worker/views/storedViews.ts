/**
 * Views of a stored run: its prompt and mapping from its prompt file, and which validation images
 * the model gets wrong (from the kept record, or evaluated again on demand for runs without one).
 */
import * as Comlink from 'comlink';
import { readBatchTensor } from '../../engine/data/batches';
import { readImages, type Dataset } from '../../core/data/imageSet';
import { modelFromPromptFile } from '../../engine/export/loadPrompt';
import { fileInputSpec, promptedPictures, type RgbaImage } from '../../engine/export/promptPictures';
import { evaluate } from '../../engine/train/evaluate';
import { selectSplits } from '../../core/data/runSplits';
import { imagePicture, sampleIndices } from '../../engine/views/pictures';
import { pictureBuffers } from '../../engine/views/promptViews';
import type { MisclassifiedQuery, MisclassifiedResult, PromptSnapshot } from '../api/viewsApi';
import type { StoredRunInfo } from '../api/runsApi';
import { getDataset } from '../datasets/datasets';
import { getSourceModel, modelClassNames } from '../models/models';
import { loadRunFile } from '../runs/storedRuns';
import { isTraining } from '../training/training';
import { mappingViewOf, SAMPLES, snapshotOf, transferable } from './liveViews';
import { remember, viewsRecord, type ViewsRecord } from './viewsStore';
import { computeViews } from './viewsHelper';

/** Misclassified thumbnails: at most this side (imported images are 128 px). */
const THUMB_SIDE = 64;
const MAX_IMAGES = 24;

/** The dataset a stored run was trained on, when it is in this browser. */
async function runDataset(info: StoredRunInfo): Promise<Dataset | null> {
  if (!info.dataset) return null;
  try {
    return await getDataset(info.dataset.id);
  } catch {
    return null;
  }
}

/** The images a stored run's views follow: the same as while it trained. */
function storedSamples(info: StoredRunInfo, d: Dataset): number[] {
  const train =
    info.data && info.data.trainImages > 0 ? selectSplits(d, info.data, info.design.seed).train.indices : null;
  const indices = train && train.length > 0 ? train : Int32Array.from(d.train.labels.keys());
  return sampleIndices(d.train.labels, indices, SAMPLES);
}

export async function runViews(runId: string): Promise<PromptSnapshot> {
  const { info, file } = await loadRunFile(runId);
  const design = file.manifest.config;
  const d = await runDataset(info);
  const classes = d?.meta.classes ?? file.manifest.targetClasses;
  let seen: RgbaImage[] = [];
  let sampleLabels: number[] = [];
  let note: string | undefined;
  if (d && d.train.labels.length > 0) {
    const idx = storedSamples(info, d);
    sampleLabels = idx.map((i) => d.train.labels[i]!);
    const base = await readBatchTensor(d.train, idx, design.baseSize);
    try {
      seen = await promptedPictures(design, file.prompt, base, fileInputSpec(file.manifest.model));
    } finally {
      base.dispose();
    }
  } else {
    note = info.dataset
      ? `The images of “${info.dataset.name}” are not in this browser: import that dataset again to see the prompt on them.`
      : 'This prompt does not say which dataset it was trained on, so no images are shown with it.';
  }
  const { views, ms, offThread } = await computeViews(file.prompt, file.manifest.promptActivation, seen);
  const [sourceNames, record] = await Promise.all([
    modelClassNames(info.modelId).catch(() => [] as string[]),
    viewsRecord(runId),
  ]);
  const mapping = mappingViewOf(
    file.mapping,
    sourceNames,
    file.manifest.targetClasses.length,
    record?.computed ?? [],
    record ?? { similarities: null },
  );
  const steps = info.checkpoint?.steps ?? 0;
  const snapshot = snapshotOf({
    moment: 'stored',
    step: steps,
    totalSteps: steps,
    epoch: info.checkpoint?.epochs ?? info.epochs.length,
    views,
    sampleLabels,
    classes,
    mapping,
    cost: { syncMs: 0, computeMs: ms, offThread },
    ...(note ? { note } : {}),
  });
  return Comlink.transfer(snapshot, transferable(snapshot));
}

/** A stored run evaluated again on its validation images (runs without a views record). */
async function reevaluate(runId: string): Promise<ViewsRecord> {
  if (isTraining()) throw new Error('Training is running: the images of this run can be shown once it has ended.');
  const { info, file, model: manifest } = await loadRunFile(runId);
  const d = await runDataset(info);
  if (!d || !info.data || info.data.valImages < 1) {
    throw new Error(
      info.dataset && !d
        ? `The images of “${info.dataset.name}” are not in this browser: import that dataset again to see them.`
        : 'This run does not say which images it was validated on (an imported prompt): evaluate it with “Use” instead.',
    );
  }
  const val = selectSplits(d, info.data, info.design.seed).val;
  const source = await getSourceModel(manifest.id, () => undefined, file.manifest.targetClasses);
  const model = modelFromPromptFile(source, file);
  try {
    const e = await evaluate(model, val, info.design.batchSize);
    const record: ViewsRecord = {
      runId,
      datasetId: info.dataset!.id,
      valIndices: Int32Array.from(val.indices),
      predictions: Int32Array.from(e.predictions),
      computed: [],
      similarities: null,
      savedAt: Date.now(),
    };
    remember(runId, record);
    return record;
  } finally {
    model.dispose();
  }
}

export async function misclassified(query: MisclassifiedQuery): Promise<MisclassifiedResult> {
  const record = (await viewsRecord(query.runId)) ?? (query.runId ? await reevaluate(query.runId) : null);
  if (!record) throw new Error('No run has been validated here yet: train one first.');
  const d = await getDataset(record.datasetId);
  const labels = d.train.labels;
  const max = Math.max(0, Math.min(MAX_IMAGES, query.max ?? MAX_IMAGES));
  const hits: number[] = [];
  record.valIndices.forEach((index, i) => {
    if (labels[index] === query.trueClass && record.predictions[i] === query.predicted) hits.push(index);
  });
  const shown = hits.slice(0, max);
  const pixels = await readImages(d.train, shown);
  const images = shown.map((index, k) => ({ index, picture: imagePicture(d.train, pixels, k, THUMB_SIDE) }));
  const result: MisclassifiedResult = {
    runId: query.runId,
    trueClass: query.trueClass,
    predicted: query.predicted,
    total: hits.length,
    images,
  };
  return Comlink.transfer(result, pictureBuffers(images.map((i) => i.picture)));
}
