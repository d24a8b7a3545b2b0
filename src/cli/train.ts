/** `autovp train`. */
import { join, resolve } from 'node:path';
import { sourceClassCount } from '../engine/models/classNames';
import { checkMappingCapacity } from '../engine/run/trainingRun';
import type { ParsedOptions } from './args';
import { describeBackend, initBackend, type CliBackend } from './backend';
import { type CliEnv, CliError, shownPath } from './env';
import { buildSource, type FolderModelOptions, resolveModel } from './models';
import { Progress, percent } from './progress';
import { designFromOptions } from './designOptions';
import { dataSelection, loadRunData } from './runData';
import { trainOne } from './run';

export function folderModelOptions(o: ParsedOptions): FolderModelOptions {
  return {
    ...(o['source-output'] ? { sourceOutput: o['source-output'] as string } : {}),
    ...(o['feature-output'] ? { featureOutput: o['feature-output'] as string } : {}),
    ...(o.values ? { values: o.values as FolderModelOptions['values'] } : {}),
  };
}

export async function runTrain(o: ParsedOptions, env: CliEnv): Promise<number> {
  const progress = new Progress(env.stderr, { quiet: Boolean(o.quiet) });
  const design = designFromOptions(o);
  const out = resolve(env.cwd, o.out as string);
  const backend = await initBackend((o.backend as CliBackend | undefined) ?? 'wasm', env);
  progress.line(`autovp train · backend ${describeBackend(backend)}`);
  const model = await resolveModel(o.model as string, env, folderModelOptions(o));
  for (const n of model.notes) progress.line(n);
  const data = await loadRunData(o, env, progress);
  // Refuse an impossible one-to-one mapping before loading (or downloading) any weights.
  try {
    checkMappingCapacity(design, sourceClassCount(model.manifest), data.dataset.meta.classes.length, model.manifest.name);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const source = buildSource(model, await model.artifacts(progress));
  try {
    const result = await trainOne({
      env,
      progress,
      model,
      source,
      data,
      selection: dataSelection(o, data.dataset),
      design,
      baseline: !o['no-baseline'],
      backend,
      out,
      config: {
        command: 'train',
        model: o.model,
        modelId: model.id,
        dataPath: data.train.location,
        testDataPath: data.testData?.location ?? null,
        fit: o.fit ?? 'crop',
      },
    });
    const lp = (result.metrics.baselineLP as { accuracy: number | null } | null)?.accuracy;
    const flat = (result.metrics.baselineLPFlattened as { accuracy: number | null } | null)?.accuracy;
    const details = result.metrics.baselineDetails as {
      featureDim?: number;
      flattened?: { featureDim?: number } | null;
    } | null;
    const fixed = (x: number | null) => (x === null ? '–' : x.toFixed(4));
    const dim = (n: number | undefined) => (n === undefined ? '' : ` ${n.toLocaleString('en-US')}-d`);
    env.stdout.write(
      `test accuracy ${fixed(result.testAccuracy)} (${percent(result.testAccuracy)})` +
        (lp !== undefined ? ` · linear probing (pooled${dim(details?.featureDim)}) ${fixed(lp)}` : '') +
        (flat !== undefined ? ` · extra: flattened${dim(details?.flattened?.featureDim)} ${fixed(flat)}` : '') +
        ` · ${shownPath(env, join(out, 'metrics.json'))}\n`,
    );
    return 0;
  } finally {
    source.network.dispose();
  }
}
