/**
 * CLIP as the CLI's source model, from a folder holding a checkpoint in the Hugging Face layout
 * (config.json, model.safetensors, tokenizer.json) or from the hub (`hf:owner/name`), downloaded
 * once with progress and kept in ~/.cache/autovp/hub for offline use. Its source classes are the
 * run's own class names under CLIP's templates, so the source model is built per run.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Dataset } from '../core/data/imageSet';
import { type DataSelection, selectSplits } from '../core/data/runSplits';
import { CLIP_VP_PADDING, clipVpRecipe } from '../core/design/clipRecipe';
import type { VPDesign } from '../core/design/design';
import { DEFAULT_DESIGN, designParam } from '../core/design/schema';
import { buildClipCheckpoint, CLIP_FILES, type ClipCheckpointFiles } from '../engine/models/clip/clipCheckpoint';
import { CLIP_VIT_B32_REPO, clipHubUrls, downloadClipFiles, fetchHubFile, isClipCached } from '../engine/models/clip/clipHub';
import { clipConfigOf, clipManifest, refineClipManifest } from '../engine/models/clip/clipManifest';
import { type ClipHeadOptions, createClipSourceModel } from '../engine/models/clip/clipSource';
import { type ClipCheckpointRef, configDifferences, describeCheckpoint } from '../engine/models/clip/clipTextHead';
import { CLIP_TEMPLATES } from '../engine/models/clip/clipTemplates';
import { zeroShotEvaluation } from '../engine/models/clip/zeroShot';
import type { PromptFile } from '../engine/export/promptFile';
import type { TextEncoderLoader } from '../engine/mapping/semantic/clipSimilarity';
import type { ModelManifest, ModelWeightsOrigin } from '../engine/models/manifest';
import type { SourceModel } from '../engine/train/visualPromptModel';
import { type CliEnv, CliError, cacheDir, shownPath } from './env';
import { designArgs } from './designOptions';
import { diskCache, hubMirror, networkFetch } from './hubCache';
import type { ResolvedModel } from './models';
import { megabytes, type Progress, percent } from './progress';
import { writeAtomic } from './run';

const DESIGN_MIN_BASE = designParam('baseSize').min;

/** `--model hf:owner/name`: a CLIP checkpoint on the Hugging Face hub. */
export const HUB_PREFIX = 'hf:';

/** True when the folder holds the three files of a CLIP checkpoint. */
export async function isClipFolder(dir: string): Promise<boolean> {
  for (const f of Object.values(CLIP_FILES)) {
    if (!(await stat(join(dir, f)).catch(() => null))?.isFile()) return false;
  }
  return true;
}

function manifestOf(id: string, name: string, config: Uint8Array, weights: ModelWeightsOrigin, sizeBytes: number): ModelManifest {
  return clipManifest(id, name, clipConfigOf(config), weights, sizeBytes);
}

function build(files: ClipCheckpointFiles, classes: readonly string[], checkpoint: ClipCheckpointRef, head: ClipHeadOptions): SourceModel {
  const name = checkpoint.kind === 'hub' ? checkpoint.repo : checkpoint.name;
  try {
    const { model, tokenizer } = buildClipCheckpoint(files);
    try {
      return createClipSourceModel(model, tokenizer, classes, { ...head, checkpoint });
    } catch (e) {
      model.dispose();
      throw e;
    }
  } catch (e) {
    throw new CliError(`${name}: ${(e as Error).message}`);
  }
}

const notForArtifacts = (name: string) => async (): Promise<never> => {
  throw new CliError(`${name} is a CLIP model: it is built for a run's class names, not from TensorFlow.js artifacts.`, [
    'autovp train, eval and search take CLIP models; this command does not.',
  ]);
};

/** The CLI's way round the hub: the same three files in a folder (given with `flag`). */
const localFolder = (flag: string) => `or point ${flag} at a folder holding config.json, model.safetensors and tokenizer.json`;
const templateCount = (head: ClipHeadOptions) => (head.templates ?? CLIP_TEMPLATES).length;

const readIn = (dir: string) => (f: string) => readFile(join(dir, f)).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));

async function readClipFolder(dir: string): Promise<ClipCheckpointFiles> {
  const read = readIn(dir);
  return { config: await read(CLIP_FILES.config), weights: await read(CLIP_FILES.weights), tokenizer: await read(CLIP_FILES.tokenizer) };
}

/** A folder with config.json, model.safetensors and tokenizer.json. */
export async function resolveClipFolder(dir: string, env: CliEnv): Promise<ResolvedModel> {
  const config = await readIn(dir)(CLIP_FILES.config);
  const size = (await stat(join(dir, CLIP_FILES.weights))).size;
  const name = basename(dir);
  let manifest: ModelManifest;
  try {
    manifest = manifestOf(`folder:${name}`, name, config, { kind: 'user', files: Object.values(CLIP_FILES) }, size);
  } catch (e) {
    throw new CliError(`${dir}: ${(e as Error).message}`);
  }
  const shown = shownPath(env, dir);
  return {
    id: manifest.id,
    manifest,
    origin: 'folder',
    folder: dir,
    notes: [`${shown}: a CLIP checkpoint (${manifest.architecture}, ${megabytes(size)} of weights).`, ...clipRecipeHint(manifest.inputSize)],
    artifacts: notForArtifacts(name),
    classNames: async () => null,
    buildSourceFor: async (classes, progress, head = {}) => {
      progress.line(`Loading CLIP from ${shown} and encoding ${classes.length} class names × ${templateCount(head)} templates…`);
      return build(await readClipFolder(dir), classes, { kind: 'folder', name }, head);
    },
  };
}

function hubUrls(repo: string): ReturnType<typeof clipHubUrls> {
  try {
    return clipHubUrls(repo);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

function hubFailure(repo: string, env: CliEnv, e: unknown): CliError {
  return new CliError(`CLIP ${repo}: ${(e as Error).message}`, [
    `It is downloaded from https://huggingface.co/${repo} once and kept in ${join(cacheDir(env), 'hub')}.`,
  ]);
}

/** A hub checkpoint's three files: from the cache, else downloaded with progress and kept there. */
async function hubFiles(repo: string, env: CliEnv, shown: Progress, flag: string): Promise<ClipCheckpointFiles> {
  const urls = hubUrls(repo);
  const cache = diskCache(cacheDir(env));
  const cached = await isClipCached(urls, cache);
  shown.line(cached ? `Loading CLIP ${repo} from the cache ${cacheDir(env)}…` : `Downloading CLIP ${repo} from the Hugging Face hub…`);
  const started = performance.now();
  let arrived = 0;
  // The CLI's fetch reads whole files, counting the bytes as they come.
  const net = networkFetch(env, (n) => {
    arrived += n;
    const seconds = (performance.now() - started) / 1000;
    shown.status(`  ${repo}: ${megabytes(arrived)} downloaded (${megabytes(arrived / Math.max(seconds, 1e-3))}/s)`);
  });
  const files = await downloadClipFiles(urls, net, { cache, mirror: hubMirror(env), otherwise: localFolder(flag) }).catch((e: unknown) => {
    throw hubFailure(repo, env, e);
  });
  shown.clear();
  return files;
}

/**
 * SemanticMap's text encoder (--text-encoder): a CLIP folder or hf:owner/name; by default the
 * built-in CLIP when its files are in the hub cache (nothing is downloaded for it), else none,
 * and WordNet matches the names. Checked now, loaded only when a run uses SemanticMap.
 */
export async function resolveTextEncoder(spec: string | undefined, env: CliEnv, progress: Progress): Promise<TextEncoderLoader> {
  const encoder = (name: string, files: () => Promise<ClipCheckpointFiles>): TextEncoderLoader => async () => {
    const loaded = await files();
    progress.line(`SemanticMap: encoding the class names with CLIP ${name}…`);
    try {
      return { name, clip: buildClipCheckpoint(loaded) };
    } catch (e) {
      throw new CliError(`--text-encoder ${name}: ${(e as Error).message}`);
    }
  };
  const fromHub = (repo: string) => encoder(repo, () => hubFiles(repo, env, progress, '--text-encoder'));
  if (spec === undefined) {
    const cached = await isClipCached(clipHubUrls(CLIP_VIT_B32_REPO), diskCache(cacheDir(env)));
    return cached ? fromHub(CLIP_VIT_B32_REPO) : async () => null;
  }
  if (spec.startsWith(HUB_PREFIX)) {
    const repo = spec.slice(HUB_PREFIX.length);
    hubUrls(repo); // a malformed name is refused now, not when SemanticMap runs
    return fromHub(repo);
  }
  const dir = resolve(env.cwd, spec);
  if (!(await isClipFolder(dir))) {
    throw new CliError(`--text-encoder ${spec} is neither hf:owner/name nor a folder holding a CLIP checkpoint (config.json, model.safetensors, tokenizer.json).`);
  }
  return encoder(basename(dir), () => readClipFolder(dir));
}

/**
 * `hf:owner/name`: config.json now (small), the weights and tokenizer when a run needs them.
 * `builtin`: the app's manifest of that repository (same id in prompt files), refined by its config.
 */
export async function resolveClipHub(spec: string, env: CliEnv, builtin?: ModelManifest): Promise<ResolvedModel> {
  const repo = spec.slice(HUB_PREFIX.length);
  const urls = hubUrls(repo);
  const cache = diskCache(cacheDir(env));
  const config = await fetchHubFile(urls.config, networkFetch(env), { cache, mirror: hubMirror(env), otherwise: localFolder('--model') }).catch((e: unknown) => {
    throw hubFailure(repo, env, e);
  });
  let manifest: ModelManifest;
  try {
    manifest = builtin
      ? refineClipManifest(builtin, clipConfigOf(config))
      : manifestOf(`hf:${repo}`, repo, config, { kind: 'hub', url: urls.weights, homepage: `https://huggingface.co/${repo}` }, 0);
  } catch (e) {
    throw new CliError(`${urls.config}: ${(e as Error).message}`);
  }
  return {
    id: manifest.id,
    manifest,
    origin: 'hub',
    folder: null,
    notes: clipRecipeHint(manifest.inputSize),
    artifacts: notForArtifacts(repo),
    classNames: async () => null,
    buildSourceFor: async (classes, shown, head = {}) => {
      const files = await hubFiles(repo, env, shown, '--model');
      shown.line(`Encoding ${classes.length} class names × ${templateCount(head)} templates…`);
      return build(files, classes, { kind: 'hub', repo }, head);
    },
  };
}

/**
 * The CLIP source model a prompt was trained on, built again on the checkpoint `model` from the
 * text head its file records (class names, templates, head kind); refused when the checkpoint's
 * sizes differ from the recorded ones.
 */
export async function clipSourceForPrompt(model: ResolvedModel, file: PromptFile, progress: Progress): Promise<SourceModel> {
  const m = file.manifest.model;
  const recorded = m.clip;
  if (!model.buildSourceFor) {
    throw new CliError(`The prompt was trained on ${describeCheckpoint(recorded?.checkpoint ?? null)}, not on ${model.manifest.name}.`, [
      'Give its CLIP checkpoint: --model DIR (config.json, model.safetensors, tokenizer.json) or --model hf:owner/name.',
    ]);
  }
  if (!recorded) {
    throw new CliError(`The prompt was trained on CLIP (${m.name}) but its file does not record how the classes were made (templates, head kind, class names): it was written before prompt files recorded them.`, [
      'Train it again with autovp train to evaluate it.',
    ]);
  }
  const source = await model.buildSourceFor(recorded.classNames, progress, { templates: recorded.templates, head: recorded.head });
  const differs = source.textHead ? configDifferences(recorded.config, source.textHead.config) : ['no text head'];
  if (differs.length) {
    source.network.dispose();
    throw new CliError(`The prompt was trained on ${describeCheckpoint(recorded.checkpoint)}, whose sizes differ from ${model.manifest.name}: ${differs.join(', ')}.`, [
      'Give that checkpoint with --model DIR or --model hf:owner/name.',
    ]);
  }
  return source;
}

export interface ZeroShotResult {
  accuracy: number;
  /** The split it was measured on: the run's test images, or its validation images without them. */
  split: 'test' | 'validation';
  count: number;
}

/**
 * CLIP's zero-shot accuracy on the run's own test split (the seed fixes the splits, as for the
 * prompt's test), the baseline a CLIP prompt has to beat.
 */
export async function clipZeroShot(source: SourceModel, dataset: Dataset, selection: DataSelection, design: VPDesign, progress: Progress): Promise<ZeroShotResult> {
  const splits = selectSplits(dataset, selection, design.seed);
  const split = splits.test && splits.test.indices.length > 0 ? splits.test : splits.val;
  const name = split === splits.test ? 'test' : 'validation';
  progress.line(`Zero-shot baseline on the ${split.indices.length} ${name} images (no prompt)…`);
  const e = await zeroShotEvaluation(source, split, dataset.meta.classes.length, design.batchSize);
  progress.line(`zero-shot: ${name} accuracy ${percent(e.accuracy)}`);
  return { accuracy: e.accuracy, split: name, count: e.count };
}

/** Adds the zero-shot baseline to a run's metrics.json. */
export async function recordZeroShot(metricsPath: string, zeroShot: ZeroShotResult): Promise<void> {
  const metrics = JSON.parse(await readFile(metricsPath, 'utf8')) as Record<string, unknown>;
  metrics.baselineZeroShot = zeroShot;
  await writeAtomic(metricsPath, `${JSON.stringify(metrics, null, 2)}\n`);
}

/** The flags of the CLIP-VP recipe (AutoVP's CLIP defaults) for a canvas, as a hint (none when the canvas is too small for it). */
function clipRecipeHint(canvas: number): string[] {
  if (canvas - 2 * CLIP_VP_PADDING < DESIGN_MIN_BASE) return [];
  const recipe = clipVpRecipe(DEFAULT_DESIGN, canvas);
  const changed = Object.fromEntries(
    Object.entries(recipe).filter(([k, v]) => DEFAULT_DESIGN[k as keyof VPDesign] !== v),
  ) as Partial<VPDesign>;
  return [`CLIP-VP recipe (AutoVP's CLIP settings): ${designArgs(changed).join(' ')}`];
}
