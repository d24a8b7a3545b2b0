/** `autovp eval`: a prompt file on a folder of images. */
import { IMPORT_LIMITS } from '../core/import/types';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ImageCollection } from '../core/data/imageSet';
import { modelFromPromptFile } from '../engine/export/loadPrompt';
import { type PromptFile, PromptFileError } from '../engine/export/promptFile';
import { parsePromptFile } from '../engine/export/promptFileReader';
import { evaluate } from '../engine/train/evaluate';
import { selectSplits } from '../core/data/runSplits';
import type { ParsedOptions } from './args';
import { type CliBackend, describeBackend, initBackend } from './backend';
import { loadData, relabelAll, relabelSplit } from './data';
import { clipSourceForPrompt, isClipFolder } from './clipModel';
import { type CliEnv, CliError } from './env';
import { buildSource, type ResolvedModel, resolveModel } from './models';
import { percent, Progress } from './progress';
import { missingClasses } from './runData';
import { folderModelOptions } from './train';

async function readPrompt(path: string): Promise<PromptFile> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new CliError(`Cannot read the prompt file ${path}: ${(e as Error).message}`);
  }
  try {
    return parsePromptFile(bytes);
  } catch (e) {
    throw new CliError(`${path}: ${e instanceof PromptFileError ? e.message : (e as Error).message}`);
  }
}

/** The model folder a training run recorded in the metrics.json beside its prompt file, if it still exists. */
async function recordedFolder(promptPath: string, modelId: string): Promise<string | null> {
  try {
    const metrics = JSON.parse(await readFile(join(dirname(promptPath), 'metrics.json'), 'utf8')) as {
      model?: { id?: string; folder?: string | null };
    };
    const folder = metrics.model?.folder;
    if (metrics.model?.id !== modelId || !folder) return null;
    return existsSync(join(folder, 'model.json')) || (await isClipFolder(folder)) ? folder : null;
  } catch {
    return null;
  }
}

/** Refuses a model that is not the one the prompt was trained for. */
function checkModel(model: ResolvedModel, file: PromptFile): void {
  const m = file.manifest.model;
  const have = model.manifest;
  const differs: string[] = [];
  if (have.inputSize !== m.inputSize) differs.push(`input size ${m.inputSize} (this model: ${have.inputSize})`);
  if (have.valueRange.join() !== m.valueRange.join())
    differs.push(`value range [${m.valueRange.join(', ')}] (this model: [${have.valueRange.join(', ')}])`);
  const norm = (n: { mean: number[]; std: number[] } | null | undefined) =>
    n ? `${n.mean.join()}|${n.std.join()}` : '';
  if (norm(have.normalization) !== norm(m.normalization)) differs.push('input normalisation');
  if (have.sourceOutput !== m.sourceOutput)
    differs.push(`source output "${m.sourceOutput}" (this model: "${have.sourceOutput}")`);
  if (differs.length)
    throw new CliError(`The prompt was trained for ${m.name} (${m.id}), not for this model: ${differs.join(', ')}.`);
  if (model.id !== m.id)
    model.notes.push(`The prompt names the model ${m.id}; using ${model.id}, whose inputs and outputs agree.`);
}

export async function runEval(o: ParsedOptions, env: CliEnv): Promise<number> {
  const progress = new Progress(env.stderr, { quiet: Boolean(o.quiet) || Boolean(o.json) });
  const promptPath = resolve(env.cwd, o.prompt as string);
  const file = await readPrompt(promptPath);
  const m = file.manifest;
  const backend = await initBackend((o.backend as CliBackend | undefined) ?? 'wasm', env);
  progress.line(
    `autovp eval · ${m.targetClasses.length} classes · ${m.model.name} · backend ${describeBackend(backend)}`,
  );

  let spec = o.model as string | undefined;
  if (!spec) {
    const folder = await recordedFolder(promptPath, m.model.id);
    if (folder) progress.line(`Model: ${folder} (recorded in the metrics.json beside the prompt).`);
    spec = folder ?? m.model.id;
  }
  const model = await resolveModel(spec, env, folderModelOptions(o)).catch((e: unknown) => {
    if (e instanceof CliError && !o.model) {
      throw new CliError(`The prompt was trained for ${m.model.name} (${m.model.id}); name it with --model ID|DIR.`, [
        e.message,
        ...e.details,
      ]);
    }
    throw e;
  });
  const clip = m.model.format === 'clip';
  if (!clip && model.buildSourceFor)
    throw new CliError(`The prompt was trained for ${m.model.name} (${m.model.id}), not for the CLIP checkpoint ${model.manifest.name}.`);
  // A CLIP prompt on another model: clipSourceForPrompt says which checkpoint it needs.
  if (clip && !model.buildSourceFor) await clipSourceForPrompt(model, file, progress);
  checkModel(model, file);
  for (const n of model.notes) progress.line(n);

  const fit = (o.fit as 'crop' | 'pad' | 'stretch' | undefined) ?? m.preprocessing.fit;
  const data = await loadData(o.data as string, env, {
    fit,
    maxImages: (o['max-images'] as number | undefined) ?? IMPORT_LIMITS.maxImages,
    progress,
    // Images of some of the prompt's classes are a legitimate test set.
    minClasses: 1,
  });
  const classes = m.targetClasses;
  const what = `The data ${data.location}`;
  const split = (o.split as 'test' | 'train' | 'all' | undefined) ?? 'test';
  let set: ImageCollection;
  let described: string;
  const d = data.dataset;
  if (split === 'all') {
    set = relabelAll(data, classes, what);
    described = 'every image';
  } else if (split === 'train') {
    set = relabelSplit(data, d.train, classes, what);
    described = 'the training pool';
  } else if (d.test) {
    set = relabelSplit(data, d.test, classes, what);
    described = 'the test split (test/ folder)';
  } else if (m.data?.testFraction && m.data.testFraction > 0 && sameClasses(d.meta.classes, classes)) {
    // The run carved its test split out of this folder: draw the same images again from its seed.
    const pool = relabelSplit(data, d.train, classes, what);
    const splits = selectSplits(
      { meta: d.meta, train: pool },
      {
        valFraction: m.data.valFraction ?? 0.1,
        trainImages: m.data.trainImages ?? pool.labels.length,
        valImages: m.data.valImages ?? pool.labels.length,
        testImages: m.data.testImages ?? pool.labels.length,
        fraction: m.data.fraction ?? 1,
        testFraction: m.data.testFraction,
      },
      m.seed,
    );
    if (!splits.test) throw new CliError('The test split the training run held out is empty for this folder.');
    set = pool;
    described = `the test split the training run held out (${Math.round(m.data.testFraction * 100)}% of every class, seed ${m.seed})`;
    return report(await evaluateOn(set, splits.test.indices), described);
  } else {
    set = relabelAll(data, classes, what);
    described = 'every image (the folder has no test split)';
  }
  return report(
    await evaluateOn(
      set,
      Int32Array.from({ length: set.labels.length }, (_, i) => i),
    ),
    described,
  );

  async function evaluateOn(images: ImageCollection, indices: Int32Array) {
    if (indices.length === 0) throw new CliError(`No images to evaluate in ${data.location}.`);
    const missing = missingClasses(Int32Array.from(indices, (i) => images.labels[i] as number), classes);
    if (missing) progress.line(missing);
    const source = clip ? await clipSourceForPrompt(model, file, progress) : buildSource(model, await model.artifacts(progress));
    const vp = modelFromPromptFile(source, file);
    try {
      progress.status(`Evaluating ${indices.length} images…`, true);
      const e = await evaluate(vp, { set: images, indices }, (o.batch as number | undefined) ?? 32);
      progress.clear();
      return e;
    } finally {
      vp.dispose();
      source.network.dispose();
    }
  }

  function report(e: Awaited<ReturnType<typeof evaluateOn>>, on: string): number {
    const correct = Math.round(e.accuracy * e.count);
    const perClass = Object.fromEntries(
      classes.map((c, i) => [c, Number.isFinite(e.perClass[i]) ? (e.perClass[i] as number) : null]),
    );
    if (o.json) {
      env.stdout.write(
        `${JSON.stringify({ accuracy: e.accuracy, loss: e.loss, count: e.count, correct, perClass, on, prompt: promptPath, data: data.location })}\n`,
      );
      return 0;
    }
    progress.line(`Evaluated on ${on}.`);
    env.stdout.write(
      `accuracy ${e.accuracy.toFixed(4)} (${percent(e.accuracy)}, ${correct}/${e.count} images) · loss ${e.loss.toFixed(4)}\n`,
    );
    const width = Math.min(30, Math.max(...classes.map((c) => c.length)));
    for (const [c, a] of Object.entries(perClass)) {
      if (a === null) continue;
      env.stdout.write(`  ${c.length > width ? `${c.slice(0, width - 1)}…` : c.padEnd(width)}  ${percent(a)}\n`);
    }
    return 0;
  }
}

const sameClasses = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((c, i) => c === b[i]);
