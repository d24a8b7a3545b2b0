/**
 * Stored runs for the UI: list, rename, delete, and load a prompt file back in. An imported
 * file is validated completely (format, manifest, tensors, a model this app has) before anything
 * is stored; a refused file leaves no trace.
 */
import { findModel } from '../../../models';
import { parsePromptFile } from '../../engine/export/promptFileReader';
import { PROMPT_FILE_MAX_BYTES, PromptFileError, type PromptFile } from '../../engine/export/promptFile';
import type { ModelManifest } from '../../engine/models/manifest';
import type { PromptImportResult, StoredRunInfo } from '../api/runsApi';
import { deleteStoredRun, getRunPromptBytes, getStoredRun, listStoredRuns, putRun, updateRun } from './runsStore';

export const listRuns = listStoredRuns;

export async function deleteRun(id: string): Promise<void> {
  const run = await getStoredRun(id);
  if (run?.status === 'training') {
    const listed = (await listStoredRuns()).find((r) => r.id === id);
    if (listed?.status === 'training') throw new Error('This run is still training: stop it first.');
  }
  await deleteStoredRun(id);
}

export async function renameRun(id: string, name: string): Promise<StoredRunInfo> {
  const trimmed = name.trim().slice(0, 200);
  if (!trimmed) throw new Error('A run needs a name.');
  const next = await updateRun(id, (info) => ({ ...info, name: trimmed, updatedAt: Date.now() }));
  if (!next) throw new Error('This run is not stored any more.');
  return next;
}

/** The app's model for a prompt file, or a refusal saying why the file cannot be used here. */
export function modelForPromptFile(file: PromptFile): ModelManifest {
  const m = file.manifest.model;
  const known = findModel(m.id);
  if (!known) {
    throw new PromptFileError('manifest', `This prompt was trained for the model "${m.name}" (${m.id}), which this app doesn't have.`);
  }
  const differs: string[] = [];
  if (known.inputSize !== m.inputSize) differs.push(`input size ${m.inputSize} (here ${known.inputSize})`);
  if (known.valueRange.join() !== m.valueRange.join()) differs.push(`value range [${m.valueRange.join(', ')}] (here [${known.valueRange.join(', ')}])`);
  const norm = (n: { mean: number[]; std: number[] } | null | undefined) => (n ? `${n.mean.join()}|${n.std.join()}` : '');
  if (norm(known.normalization) !== norm(m.normalization)) differs.push('input normalisation');
  if (known.sourceOutput !== m.sourceOutput) differs.push(`source output "${m.sourceOutput}" (here "${known.sourceOutput}")`);
  if (differs.length) {
    throw new PromptFileError('manifest', `This prompt was trained for a different version of "${known.name}": ${differs.join(', ')}.`);
  }
  return known;
}

/** A stored run's prompt file, read back and checked as strictly as an import. */
export async function loadRunFile(id: string): Promise<{ info: StoredRunInfo; file: PromptFile; model: ModelManifest; bytes: Uint8Array }> {
  const info = await getStoredRun(id);
  if (!info) throw new Error('This run is not stored in this browser any more.');
  const bytes = await getRunPromptBytes(id);
  if (!bytes) throw new Error(`"${info.name}" has no saved prompt (it ended before its first epoch).`);
  const file = parsePromptFile(bytes);
  return { info, file, model: modelForPromptFile(file), bytes };
}

const refusal = (fileName: string, message: string): PromptImportResult => ({ status: 'refused', fileName, message });

export async function importPrompt(upload: File): Promise<PromptImportResult> {
  const fileName = upload.name;
  if (!/\.safetensors$/i.test(fileName)) return refusal(fileName, 'A prompt file ends in .safetensors.');
  if (upload.size > PROMPT_FILE_MAX_BYTES) {
    return refusal(fileName, `The file is ${(upload.size / 1024 ** 2).toFixed(1)} MB; a prompt file is at most ${PROMPT_FILE_MAX_BYTES / 1024 ** 2} MB.`);
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await upload.arrayBuffer());
  } catch (e) {
    return refusal(fileName, `The file could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  let file: PromptFile;
  let model: ModelManifest;
  try {
    file = parsePromptFile(bytes);
    model = modelForPromptFile(file);
  } catch (e) {
    if (e instanceof PromptFileError) return refusal(fileName, e.message);
    throw e;
  }
  const m = file.manifest;
  const now = Date.now();
  const metrics = m.metrics;
  const info: StoredRunInfo = {
    id: `run-${crypto.randomUUID()}`,
    name: (m.run?.name ? m.run.name : fileName.replace(/\.safetensors$/i, '')).slice(0, 200),
    origin: 'imported',
    parentId: null,
    status: 'imported',
    createdAt: now,
    updatedAt: now,
    modelId: model.id,
    modelName: model.name,
    dataset: m.dataset,
    classes: [...m.targetClasses],
    design: { ...m.config },
    data: m.data ? ({ valFraction: 0, trainImages: 0, valImages: 0, testImages: 0, ...m.data } as StoredRunInfo['data']) : null,
    baseline: false,
    epochs: Array.isArray(metrics.epochs) ? metrics.epochs : [],
    curve: { x: [], loss: [], acc: [] },
    summary: null,
    checkpoint: { epochs: metrics.epochs?.length ?? 0, steps: metrics.steps ?? 0, bytes: bytes.length, savedAt: now, final: metrics.final !== false },
    validationAccuracy: metrics.validation?.accuracy ?? null,
    testAccuracy: metrics.test?.accuracy ?? null,
    evaluations: [],
    sourceFile: fileName,
    error: null,
  };
  // The file is stored as it came: a later download gives back the same bytes.
  await putRun(info, bytes);
  return { status: 'imported', run: info };
}
