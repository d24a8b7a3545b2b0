/** `autovp train`. */
import { join, resolve } from 'node:path';
import { sourceClassCount } from '../engine/models/classNames';
import { checkMappingCapacity } from '../engine/run/trainingRun';
import type { ParsedOptions } from './args';
import { describeBackend, initBackend, type CliBackend } from './backend';
import { type CliEnv, CliError, shownPath } from './env';
import { clipZeroShot, recordZeroShot, resolveTextEncoder } from './clipModel';
import { buildSource, type FolderModelOptions, resolveModel } from './models';
import { Progress, percent } from './progress';
import { designFromOptions } from './designOptions';
import { dataSelection, loadRunData } from './runData';
import type { VPDesign } from '../core/design/design';
import { type Checkpoint, type CheckpointRun, designDifferences, readCheckpoint } from './checkpoint';
import { type OutputFolder, prepareOutput } from './outputFolder';
import { trainOne } from './run';

export function folderModelOptions(o: ParsedOptions): FolderModelOptions {
  return {
    ...(o['source-output'] ? { sourceOutput: o['source-output'] as string } : {}),
    ...(o['feature-output'] ? { featureOutput: o['feature-output'] as string } : {}),
    ...(o.values ? { values: o.values as FolderModelOptions['values'] } : {}),
  };
}

/**
 * Ctrl-C (SIGINT), SIGTERM or env.interrupt: the first asks training to stop between two steps
 * (the last epoch's checkpoint is kept); a second Ctrl-C quits at once. Returns the check and
 * the function that stops listening.
 */
function listenForInterrupts(env: CliEnv, progress: Progress): { stopRequested: () => boolean; release: () => void } {
  let requested = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (requested && signal === 'SIGINT') {
      release();
      process.kill(process.pid, 'SIGINT');
      return;
    }
    requested = true;
    progress.line(`${signal === 'SIGTERM' ? 'Terminated' : 'Interrupted'}: stopping after this step and keeping the last epoch's checkpoint (Ctrl-C again quits now).`);
  };
  const onAbort = () => onSignal('SIGINT');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  env.interrupt?.addEventListener('abort', onAbort, { once: true });
  const release = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    env.interrupt?.removeEventListener('abort', onAbort);
  };
  return { stopRequested: () => requested, release };
}

/** Refuses --resume with other data, model or design than the checkpoint's run. */
function checkResumable(checkpoint: Checkpoint, run: CheckpointRun, design: VPDesign): void {
  const differences = [
    ...(['data', 'testData', 'model', 'fit'] as const)
      .filter((k) => checkpoint.run[k] !== run[k])
      .map((k) => `${k}: ${JSON.stringify(checkpoint.run[k])} in the checkpoint, ${JSON.stringify(run[k])} now`),
    ...(JSON.stringify(checkpoint.run.selection) !== JSON.stringify(run.selection)
      ? ['the data selection (--fraction, --train-images, … ) differs']
      : []),
    ...designDifferences(checkpoint.file.manifest.config, design),
  ];
  if (differences.length)
    throw new CliError('--resume continues a run with the options it was started with; these differ:', [
      ...differences,
      'Give the same options as the interrupted command (and --resume), or start a new run without --resume.',
    ]);
}

export async function runTrain(o: ParsedOptions, env: CliEnv): Promise<number> {
  const progress = new Progress(env.stderr, { quiet: Boolean(o.quiet) });
  const design = designFromOptions(o);
  const resumeDir = o.resume === undefined ? null : resolve(env.cwd, o.resume as string);
  const checkpoint = resumeDir ? await readCheckpoint(resumeDir) : null;
  // Before any work: a typo in --out must not cost the run.
  const output = await prepareOutput(o.out as string, env, resumeDir);
  const interrupts = listenForInterrupts(env, progress);
  try {
    return await trainInto(o, env, progress, design, output, checkpoint, interrupts.stopRequested);
  } catch (e) {
    const kept = await output.discard();
    if (kept && e instanceof CliError && e.exitCode !== 130) {
      const where = shownPath(env, output.staging);
      e.details.push(`The checkpoint of the last finished epoch is kept in ${where}: continue with --resume ${where}.`);
    }
    throw e;
  } finally {
    interrupts.release();
  }
}

async function trainInto(
  o: ParsedOptions,
  env: CliEnv,
  progress: Progress,
  design: VPDesign,
  output: OutputFolder,
  checkpoint: Checkpoint | null,
  stopRequested: () => boolean,
): Promise<number> {
  const out = output.target;
  const backend = await initBackend((o.backend as CliBackend | undefined) ?? 'wasm', env);
  progress.line(`autovp train · backend ${describeBackend(backend)}`);
  const model = await resolveModel(o.model as string, env, folderModelOptions(o));
  for (const n of model.notes) progress.line(n);
  const textEncoder = await resolveTextEncoder(o['text-encoder'] as string | undefined, env, progress);
  const data = await loadRunData(o, env, progress);
  // Refuse an impossible one-to-one mapping before loading (or downloading) any weights.
  try {
    // CLIP's source classes are the run's own, one per class.
    const numSource = model.buildSourceFor ? data.dataset.meta.classes.length : sourceClassCount(model.manifest);
    checkMappingCapacity(design, numSource, data.dataset.meta.classes.length, model.manifest.name);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const selection = dataSelection(o, data.dataset);
  const checkpointRun: CheckpointRun = {
    data: data.train.location,
    testData: data.testData?.location ?? null,
    model: o.model as string,
    selection: { ...selection },
    fit: (o.fit as string | undefined) ?? 'crop',
  };
  if (checkpoint) {
    checkResumable(checkpoint, checkpointRun, design);
    progress.line(`Resuming from ${shownPath(env, output.staging)}: ${checkpoint.state.epochs.length} of ${design.epochs} epochs done.`);
  }
  const source = model.buildSourceFor
    ? await model.buildSourceFor(data.dataset.meta.classes, progress)
    : buildSource(model, await model.artifacts(progress));
  try {
    const zeroShot = model.buildSourceFor && !checkpoint ? await clipZeroShot(source, data.dataset, selection, design, progress) : null;
    const result = await trainOne({
      env,
      progress,
      model,
      source,
      data,
      selection,
      design,
      baseline: !o['no-baseline'],
      backend,
      output,
      checkpointRun,
      resume: checkpoint,
      shouldStop: stopRequested,
      textEncoder,
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
    if (zeroShot) await recordZeroShot(result.metricsPath, zeroShot);
    const fixed = (x: number | null) => (x === null ? '–' : x.toFixed(4));
    const dim = (n: number | undefined) => (n === undefined ? '' : ` ${n.toLocaleString('en-US')}-d`);
    env.stdout.write(
      `test accuracy ${fixed(result.testAccuracy)} (${percent(result.testAccuracy)})` +
        (lp !== undefined ? ` · linear probing (pooled${dim(details?.featureDim)}) ${fixed(lp)}` : '') +
        (flat !== undefined ? ` · extra: flattened${dim(details?.flattened?.featureDim)} ${fixed(flat)}` : '') +
        (zeroShot ? ` · zero-shot (${zeroShot.split}) ${fixed(zeroShot.accuracy)}` : '') +
        ` · ${shownPath(env, join(out, 'metrics.json'))}\n`,
    );
    return 0;
  } finally {
    source.network.dispose();
  }
}
