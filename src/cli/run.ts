/**
 * One training run, shared by `autovp train` and the final training of `autovp search`'s winner:
 * data → splits → prompt training with progress → test → linear-probing baseline → metrics.json
 * and prompt.safetensors.
 */
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VPDesign } from '../core/design/design';
import { mappingName } from '../core/design/kinds';
import { divergenceText } from '../core/design/divergence';
import { type LearntState, modelFromPromptFile, snapshotModel } from '../engine/export/loadPrompt';
import { buildPromptFile, type PromptMetrics, promptModelInfo, splitMetrics } from '../engine/export/promptFile';
import { preprocessingOf } from '../engine/run/preprocessing';
import { runTraining } from '../engine/run/trainingRun';
import { semanticMatchText } from '../engine/mapping/semantic';
import type { TextEncoderLoader } from '../engine/mapping/semantic/clipSimilarity';
import type { Evaluation } from '../engine/train/evaluate';
import { featureDims } from '../engine/train/linearProbe';
import type { DataSelection, RunSplits } from '../core/data/runSplits';
import type { Divergence, EpochMetrics } from '../engine/train/trainer';
import { isAllocationFailure } from '../engine/train/stepMemory';
import { memoryRefusal } from './memoryAdvice';
import type { SourceModel, VisualPromptModel } from '../engine/train/visualPromptModel';
import type { BackendInfo } from './backend';
import { publicBytes } from './data';
import { type CliEnv, CliError, shownPath } from './env';
import type { ResolvedModel } from './models';
import { formatDuration, percent, type Progress } from './progress';

import { type Baselines, linearBaseline, MAX_FEATURE_BYTES, probeDetails } from './baseline';
import type { RunData } from './runData';
import { type Checkpoint, type CheckpointRun, writeCheckpoint } from './checkpoint';
import type { OutputFolder } from './outputFolder';
export const GENERATOR = 'autovp CLI 0.1.0 (AutoVP Playground)';

const finite = (x: number) => (Number.isFinite(x) ? x : null);

function evaluationJson(e: Evaluation, classes: readonly string[]) {
  return {
    accuracy: finite(e.accuracy),
    loss: finite(e.loss),
    perClass: Object.fromEntries(classes.map((c, i) => [c, finite(e.perClass[i] ?? NaN)])),
  };
}

export interface TrainOneInput {
  env: CliEnv;
  progress: Progress;
  model: ResolvedModel;
  source: SourceModel;
  data: RunData;
  selection: DataSelection;
  design: VPDesign;
  baseline: boolean;
  backend: BackendInfo;
  /** Where the results go (prepared before any work: outputFolder.ts); the checkpoints live there too. */
  output: OutputFolder;
  /** What a checkpoint records of the command line besides the design. */
  checkpointRun: CheckpointRun;
  /** A checkpoint to continue from (--resume). */
  resume?: Checkpoint | null;
  /** An interrupt (Ctrl-C): training stops between two steps, the last epoch's checkpoint is kept. */
  shouldStop?: () => boolean;
  /** SemanticMap's CLIP text encoder (clipModel.ts resolveTextEncoder). */
  textEncoder: TextEncoderLoader;
  /** What the command line asked for (recorded under config). */
  config: Record<string, unknown>;
  /** Extra top-level keys of metrics.json. */
  extra?: Record<string, unknown>;
}

export interface TrainOneResult {
  metrics: Record<string, unknown>;
  testAccuracy: number | null;
  validationAccuracy: number | null;
  promptPath: string;
  metricsPath: string;
}

/** Writes a file atomically (a temporary file renamed over it). */
export async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** The splits of a run, and where its test images come from, in words. */
function splitsLine(splits: RunSplits, selection: DataSelection, data: RunData): string {
  const where =
    data.testSource === 'carved'
      ? ` (test: ${Math.round((selection.testFraction ?? 0) * 100)}% of every class, held out by the seed)`
      : data.testSource === 'test-data'
        ? ' (test: --test-data)'
        : data.testSource === 'test-split'
          ? ` (test: ${data.train.kind === 'builtin' ? `the test split of ${data.train.location}` : 'the test/ folder'})`
          : '';
  return `Splits: ${splits.train.indices.length} train, ${splits.val.indices.length} validation, ${splits.test?.indices.length ?? 0} test images${where}`;
}

/** What trains, in words: the parameter count by part and the optimiser. */
function trainingLine(vp: VisualPromptModel, design: VPDesign): string {
  const counted = vp.trainableParameters();
  const parts = [
    `prompt ${counted.prompt.toLocaleString('en-US')}`,
    ...(counted.resize ? ['scale 1'] : []),
    ...(counted.mapping ? [`mapping ${counted.mapping.toLocaleString('en-US')}`] : []),
  ];
  return `Training ${counted.total.toLocaleString('en-US')} parameters (${parts.join(' + ')}) for ${design.epochs} epoch${design.epochs === 1 ? '' : 's'} (batch ${design.batchSize}, ${design.optimizer} lr ${design.learningRate}, ${design.schedule} schedule)…`;
}

/** An interrupted run: its checkpoint is kept in OUT.partial (exit code 130, as a shell reports SIGINT). */
function interrupted(env: CliEnv, output: OutputFolder, epochsDone: number, planned: number): CliError {
  const where = shownPath(env, output.staging);
  return epochsDone > 0
    ? new CliError(
        `Interrupted: the checkpoint after epoch ${epochsDone}/${planned} is kept in ${where}.`,
        [`Continue with the same command and --resume ${where}: the run goes on to the same result.`],
        130,
      )
    : new CliError('Interrupted before the first epoch ended: there is nothing to keep.', [], 130);
}

/** Why training stopped on a loss that was not finite, and what to change. */
const divergenceMessage = (d: Divergence, design: VPDesign, modelName: string): string =>
  divergenceText(d, design.learningRate, {
    modelName,
    setRate: (rate) => `--lr ${rate}`,
    checkInput: 'check its weights, and --values for the input range it expects',
    nothingKept: 'Nothing was written.',
  });

/** Trains, tests and writes OUT/metrics.json and OUT/prompt.safetensors. */
export async function trainOne(input: TrainOneInput): Promise<TrainOneResult> {
  const { env, progress, model, source, data, selection, design, output } = input;
  const started = performance.now();
  const d = data.dataset;
  const classes = d.meta.classes;
  const numTarget = classes.length;
  const epochs = design.epochs;
  // The model and its splits, once built: the model is disposed of however the run ends.
  const built: { model: VisualPromptModel | null; splits: RunSplits | null } = { model: null, splits: null };
  let trainedSeconds = 0;
  let baselineSkipped: string | null = null;
  const selectionRecord = { ...selection } as Record<string, number | undefined>;
  const runId = input.resume?.file.manifest.run?.id ?? `cli-${new Date().toISOString()}`;
  /** The prompt file of a model state, as the app exports it (checkpoints and the result alike). */
  const promptFile = (state: LearntState, metrics: PromptMetrics) =>
    buildPromptFile({
      ...state,
      design,
      model: promptModelInfo(model.manifest, source.numSource, source.textHead),
      targetClasses: classes,
      preprocessing: preprocessingOf(d, design.baseSize),
      metrics,
      data: selectionRecord,
      dataset: { id: d.meta.id, name: d.meta.name },
      run: { id: runId, name: `${d.meta.name} · ${design.labelMapping} · autovp CLI` },
      createdAt: new Date(),
      generator: GENERATOR,
    });
  // Checkpoints are written one after another while training goes on; the run waits for them.
  let checkpoints: Promise<void> = Promise.resolve();
  const resumed = input.resume ? modelFromPromptFile(source, input.resume.file, design) : null;
  try {
    const run = await runTraining<Baselines>({
      ...(resumed && input.resume ? { resume: resumed, resumeState: input.resume.state } : {}),
      ...(input.shouldStop ? { shouldStop: input.shouldStop } : {}),
      source,
      modelName: model.manifest.name,
      textImage: model.manifest.textImage,
      dataset: d,
      selection,
      design,
      classNames: () => model.classNames(),
      fetchBytes: publicBytes(env),
      textEncoder: input.textEncoder,
      baseline: input.baseline
        ? async (splits) => {
            const images = splits.train.indices.length + splits.val.indices.length + (splits.test?.indices.length ?? 0);
            const pooledBytes = featureDims(source).pooled * 4 * images;
            if (pooledBytes > MAX_FEATURE_BYTES) {
              baselineSkipped = `the features of ${images} images would take ${(pooledBytes / 1e9).toFixed(1)} GB; use --train-images to probe fewer`;
              progress.line(`Linear-probing baseline skipped: ${baselineSkipped}.`);
              return null;
            }
            return linearBaseline(source, splits, numTarget, design, progress);
          }
        : null,
      hooks: {
        onReady: ({ model: vp, splits, semantic }) => {
          built.model = vp;
          built.splits = splits;
          progress.line(splitsLine(splits, selection, data));
          if (semantic) {
            const pairs = semantic.assignedNames.map((n, t) => `${classes[t]} → ${n.join(' / ')}`);
            progress.line(`SemanticMap, ${semanticMatchText(semantic)}: ${pairs.slice(0, 6).join('; ')}${pairs.length > 6 ? '; …' : ''}`);
          }
          progress.line(trainingLine(vp, design));
        },
        onBatch: (m) => {
          const perStep = m.elapsedSeconds / m.step;
          const eta = (m.totalSteps - m.step) * perStep;
          progress.status(
            `epoch ${m.epoch + 1}/${epochs}  batch ${m.batch + 1}/${m.batchesPerEpoch}  loss ${m.loss.toFixed(4)}  acc ${percent(m.accuracy)}  ` +
              `${m.imagesPerSecond.toFixed(1)} img/s  ETA ${formatDuration(eta)}${m.scale !== undefined ? `  scale ${m.scale.toFixed(3)}` : ''}`,
          );
        },
        onEpoch: (m: EpochMetrics, captureState) => {
          // Both captured now (the next step changes the variables), written in the background.
          const trainer = captureState();
          const learnt = built.model ? snapshotModel(built.model) : null;
          if (learnt) {
            checkpoints = checkpoints.then(async () => {
              const state = await trainer();
              const metrics = { validation: null, test: null, epochs: state.epochs, steps: state.step, final: false, stopped: false };
              await writeCheckpoint(output.checkpointDir, promptFile(await learnt(), metrics), state, input.checkpointRun);
            });
          }
          progress.line(
            `epoch ${m.epoch + 1}/${epochs}: train loss ${m.trainLoss.toFixed(4)} acc ${percent(m.trainAcc)} · val loss ${m.valLoss.toFixed(4)} acc ${percent(m.valAcc)} · ${formatDuration(m.seconds)}`,
          );
        },
        onMapping: (epoch) => {
          progress.status(`  ${mappingName(design.labelMapping)}: mapping computed before epoch ${epoch + 1}`, true);
        },
        onMicroBatch: (images) => {
          progress.line(
            `A step of ${design.batchSize} images would need more memory than one pass may take on ${input.backend.name}: ` +
              `each step runs as passes of ${images} images whose gradients add up (the same update).`,
          );
        },
        onTrained: () => {
          trainedSeconds = (performance.now() - started) / 1000;
        },
        onPhase: (phase) => {
          if (phase === 'testing') progress.status('Testing…', true);
        },
      },
    }).catch(async (e: unknown) => {
      // A batch too large for the backend's memory: say what it needs and what fits.
      if (isAllocationFailure(e) && built.model && built.splits) {
        progress.clear();
        throw await memoryRefusal(e as Error, built.model, built.splits.train, input.backend.name);
      }
      // The engine's refusals (mapping capacity, SemanticMap) are the user's to fix.
      throw e instanceof Error && !(e instanceof CliError) && !built.model ? new CliError(e.message) : e;
    });
    await checkpoints;
    const { test, baseline, splits, semantic } = run;
    const result = run.trained;
    progress.clear();
    if (input.shouldStop?.()) throw interrupted(env, output, result.epochs.length, epochs);
    const diverged = result.diverged;
    if (diverged?.keptStep === null) throw new CliError(divergenceMessage(diverged, design, model.manifest.name));
    const counted = run.model.trainableParameters();
    const parameters = counted.total;
    if (test) {
      progress.clear();
      progress.line(
        `test accuracy ${percent(test.accuracy)} (${Math.round(test.accuracy * test.count)}/${test.count}), loss ${test.loss.toFixed(4)}`,
      );
    }
    if (baseline) {
      const { pooled, flattened } = baseline;
      progress.line(
        `linear probing (pooled ${pooled.featureDim.toLocaleString('en-US')}-d features, ${pooled.parameters.toLocaleString('en-US')} parameters): test accuracy ${percent(pooled.test?.accuracy)}, validation ${percent(pooled.validationAccuracy)}`,
      );
      if (flattened) {
        progress.line(
          `  extra: linear probe on flattened conv features (${flattened.featureDim.toLocaleString('en-US')}-d, ${flattened.parameters.toLocaleString('en-US')} parameters): test accuracy ${percent(flattened.test?.accuracy)}, validation ${percent(flattened.validationAccuracy)}`,
        );
      } else if (baseline.flattenedSkipped) {
        progress.line(`  extra probe on flattened conv features skipped: ${baseline.flattenedSkipped}.`);
      }
      progress.line(
        `trainable parameters: visual prompt ${parameters.toLocaleString('en-US')} · linear probe ${pooled.parameters.toLocaleString('en-US')}`,
      );
    }

    // The prompt file, as the app exports it.
    const promptBytes = promptFile(await snapshotModel(run.model)(), {
      validation: splitMetrics(result.validation),
      test: splitMetrics(test),
      epochs: result.epochs,
      steps: result.steps,
      final: true,
      stopped: result.stopped,
    });

    const seconds = (performance.now() - started) / 1000;
    const metrics: Record<string, unknown> = {
      config: { ...input.config, ...design, data: selection, backend: input.backend.name },
      epochs: result.epochs.map((e) => ({
        epoch: e.epoch + 1,
        trainLoss: finite(e.trainLoss),
        trainAcc: finite(e.trainAcc),
        valAcc: finite(e.valAcc),
      })),
      test: test ? evaluationJson(test, classes) : null,
      baselineLP: baseline ? { accuracy: finite(baseline.pooled.test?.accuracy ?? NaN) } : null,
      // The extra probe on the flattened feature map (not AutoVP's baseline); null when the
      // features are a vector, the map is too large, or there is no baseline.
      baselineLPFlattened: baseline?.flattened ? { accuracy: finite(baseline.flattened.test?.accuracy ?? NaN) } : null,
      // SemanticMap: what matched the names, and the source labels each class took.
      semanticMap: semantic
        ? {
            encoder: semantic.encoder,
            checkpoint: semantic.checkpoint,
            sources: Object.fromEntries(classes.map((c, t) => [c, semantic.assignedNames[t]])),
          }
        : null,
      // Details beyond the schema above.
      validation: result.validation
        ? {
            accuracy: finite(result.validation.accuracy),
            loss: finite(result.validation.loss),
            count: result.validation.count,
          }
        : null,
      epochDetails: result.epochs.map((e) => ({ epoch: e.epoch + 1, valLoss: finite(e.valLoss), seconds: e.seconds })),
      testDetails: test
        ? { count: test.count, correct: Math.round(test.accuracy * test.count), confusion: test.confusion, classes }
        : null,
      baselineDetails: baselineSkipped
        ? { skipped: baselineSkipped }
        : baseline
          ? {
              method:
                "linear probing (AutoVP's baseline): softmax regression on the frozen penultimate features averaged over space (global average pooling of a feature map; a feature vector as it is), standardised, Adam lr 1e-3, weight decay 1e-4, 100 epochs, best validation epoch kept",
              ...probeDetails(baseline.pooled),
              seconds: baseline.seconds,
              flattened: baseline.flattened
                ? {
                    method:
                      'the same probe on the same feature map flattened (H·W·C values), from the same forward passes: an extra comparison, not the baseline',
                    ...probeDetails(baseline.flattened),
                  }
                : baseline.flattenedSkipped
                  ? { skipped: baseline.flattenedSkipped }
                  : null,
            }
          : null,
      counts: {
        train: splits.train.indices.length,
        validation: splits.val.indices.length,
        test: splits.test?.indices.length ?? 0,
      },
      model: {
        id: model.id,
        name: model.manifest.name,
        origin: model.origin,
        folder: model.folder,
        numSource: source.numSource,
        inputSize: model.manifest.inputSize,
      },
      dataset: {
        name: d.meta.name,
        location: data.train.location,
        classes,
        testSource: data.testSource,
        testData: data.testData?.location ?? null,
      },
      parameters,
      parameterDetails: counted,
      steps: result.steps,
      diverged: diverged ? { ...diverged, loss: String(diverged.loss), epoch: diverged.epoch + 1 } : null,
      timing: { trainSeconds: trainedSeconds, totalSeconds: seconds, backend: input.backend },
      generator: GENERATOR,
      createdAt: new Date().toISOString(),
      ...(input.extra ?? {}),
    };
    const metricsPath = join(output.target, 'metrics.json');
    const promptPath = join(output.target, 'prompt.safetensors');
    await output.commit({ 'prompt.safetensors': promptBytes, 'metrics.json': `${JSON.stringify(metrics, null, 2)}\n` });
    progress.line(
      `Wrote ${shownPath(env, metricsPath)} and ${shownPath(env, promptPath)} (${formatDuration(seconds)} in all).`,
    );
    if (diverged)
      throw new CliError(divergenceMessage(diverged, design, model.manifest.name), [
        `${shownPath(env, promptPath)} holds that prompt; metrics.json records where training stopped.`,
      ]);
    return {
      metrics,
      testAccuracy: test ? finite(test.accuracy) : null,
      validationAccuracy: result.validation ? finite(result.validation.accuracy) : null,
      promptPath,
      metricsPath,
    };
  } finally {
    await checkpoints.catch(() => undefined);
    built.model?.dispose();
    if (resumed !== built.model) resumed?.dispose();
  }
}
