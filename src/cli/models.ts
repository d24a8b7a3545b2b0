/**
 * Source models for the CLI, named on the command line:
 * - a built-in id (models/*.json): bundled models read from public/generated/models/<id>/,
 *   hub models downloaded from their public URL once (with progress) and kept under
 *   ~/.cache/autovp/hub/ for offline use;
 * - a folder holding a TensorFlow.js model.json and its weight files. A folder whose model is a
 *   built-in one (same format, same weight bytes, the manifest's output tensors present) is used
 *   with that manifest and id (so its prompts load in the app); any other folder is inspected
 *   like a model added in the app (output and feature tensors proposed, or named with
 *   --source-output / --feature-output). Class names come from a classes.json / labels.json /
 *   labels.txt beside model.json when there is one.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { allModels, findModel, MODELS } from '../../models';
import { loadClassNames, sourceClassCount } from '../engine/models/classNames';
import { cachingFetch, isModelCached } from '../engine/models/hubCache';
import { inspectArtifacts, isGraphTopology, ModelRefusal } from '../engine/models/inspectModel';
import { describedBytes, type FetchLike, loadModelArtifacts, type ModelJson } from '../engine/models/loadArtifacts';
import type { ModelManifest } from '../engine/models/manifest';
import type { ClipHeadOptions } from '../engine/models/clip/clipSource';
import { clipHubRepoOf } from '../engine/models/clip/clipHub';
import { createSourceModel } from '../engine/models/sourceModel';
import {
  artifactsFromFiles,
  CLASS_NAME_FILES,
  parseSidecarClassNames,
  userManifest,
  VALUE_PRESETS,
  type ValuePreset,
} from '../engine/models/userModel';
import type { SourceModel } from '../engine/train/visualPromptModel';
import { HUB_PREFIX, isClipFolder, resolveClipFolder, resolveClipHub } from './clipModel';
import { type CliEnv, CliError, cacheDir, publicDir, shownPath } from './env';
import { diskCache, hubMirror, networkFetch, readFileUrl } from './hubCache';
import { megabytes, type Progress } from './progress';

export interface FolderModelOptions {
  sourceOutput?: string;
  featureOutput?: string;
  values?: ValuePreset;
}

export interface ResolvedModel {
  /** The id prompts record (a built-in id, or folder:<name> for other folders). */
  id: string;
  manifest: ModelManifest;
  origin: 'bundled' | 'hub' | 'folder';
  /** The folder it was read from (folder models). */
  folder: string | null;
  /** Lines worth telling the user (what was matched or guessed). */
  notes: string[];
  /** Reads (or downloads) the weights. */
  artifacts(progress: Progress): Promise<tf.io.ModelArtifacts>;
  /** Source class names in output order, or null when unknown. */
  classNames(): Promise<string[] | null>;
  /**
   * Text-image models (CLIP): the source model is built for the run's class names, not from
   * artifacts (head: the templates and head kind, CLIP's 81 templates averaged by default).
   */
  buildSourceFor?(classNames: readonly string[], progress: Progress, head?: ClipHeadOptions): Promise<SourceModel>;
}

const fetchFile: FetchLike = (url) => readFileUrl(url);

/** True when `spec` names a path rather than an id (it exists, or looks like a path). */
function looksLikePath(spec: string, env: CliEnv): Promise<boolean> {
  if (/[/\\]/.test(spec) || spec.startsWith('.') || spec.endsWith('.json')) return Promise.resolve(true);
  return stat(resolve(env.cwd, spec)).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

function hubFetcher(env: CliEnv, progress: Progress | null): FetchLike {
  let downloaded = 0;
  const net = networkFetch(env, (n) => {
    downloaded += n;
    progress?.status(`  downloaded ${megabytes(downloaded)}`);
  });
  return cachingFetch(net, diskCache(cacheDir(env)), hubMirror(env));
}

const isAbsoluteUrl = (url: string) => /^[a-z][a-z0-9+.-]*:/i.test(url);

/** Class names a built-in manifest refers to: inline, a file of public/, or a hub URL (cached). */
async function manifestClassNames(manifest: ModelManifest, env: CliEnv): Promise<string[]> {
  const ref = manifest.sourceClasses;
  if (Array.isArray(ref)) return ref;
  if (isAbsoluteUrl(ref.url)) return loadClassNames(ref, ref.url, hubFetcher(env, null));
  return loadClassNames(ref, pathToFileURL(join(publicDir(env), ref.url)).href, fetchFile);
}

const FOLDER_OPTION_KEYS = {
  'source-output': 'sourceOutput',
  'feature-output': 'featureOutput',
  values: 'values',
} as const satisfies Record<string, keyof FolderModelOptions>;

/** Resolves --model: a built-in id or a folder (see the module comment). */
export async function resolveModel(
  spec: string,
  env: CliEnv,
  options: FolderModelOptions = {},
): Promise<ResolvedModel> {
  if (spec.startsWith(HUB_PREFIX)) return resolveClipHub(spec, env);
  if (await looksLikePath(spec, env)) return resolveFolder(resolve(env.cwd, spec), env, options);
  const manifest = findModel(spec);
  if (!manifest) {
    throw new CliError(`Unknown model "${spec}".`, [
      `Built-in models: ${allModels()
        .map((m) => m.id)
        .join(', ')} (autovp models lists them),`,
      'or give a folder holding a TensorFlow.js model.json and its weight files.',
    ]);
  }
  // The built-in models' outputs and input values are fixed by their manifests.
  const folderOnly = (['source-output', 'feature-output', 'values'] as const).filter(
    (flag) => options[FOLDER_OPTION_KEYS[flag]] !== undefined,
  );
  if (folderOnly.length) {
    throw new CliError(
      `--${folderOnly.join(', --')} applies to model folders only; ${manifest.id} is a built-in model whose class scores ("${manifest.sourceOutput}"), features ("${manifest.featureOutput}") and input values are fixed.`,
      ['Leave the option out, or give a folder holding the model (--model DIR) to choose its outputs.'],
    );
  }
  const w = manifest.weights;
  const clipRepo = manifest.format === 'clip' && w.kind === 'hub' ? clipHubRepoOf(w.url) : null;
  if (clipRepo) return resolveClipHub(HUB_PREFIX + clipRepo, env, manifest);
  if (w.kind === 'bundled') {
    const url = pathToFileURL(join(publicDir(env), w.path)).href;
    return {
      id: manifest.id,
      manifest,
      origin: 'bundled',
      folder: null,
      notes: [],
      artifacts: async (progress) => {
        progress.line(`Loading ${manifest.name} (bundled)…`);
        return loadModelArtifacts(url, fetchFile).catch((e: unknown) => {
          throw new CliError(`${manifest.name}: ${(e as Error).message}`, [
            'The bundled models are derived at install: run `npm run prepare-assets`.',
          ]);
        });
      },
      classNames: () => manifestClassNames(manifest, env),
    };
  }
  if (w.kind === 'hub') {
    return {
      id: manifest.id,
      manifest,
      origin: 'hub',
      folder: null,
      notes: [],
      artifacts: async (progress) => {
        const cache = diskCache(cacheDir(env));
        const cached = await isModelCached(w.url, cache).catch(() => false);
        progress.line(
          cached
            ? `Loading ${manifest.name} from the cache ${cacheDir(env)}…`
            : `Downloading ${manifest.name} (${megabytes(manifest.sizeBytes)}) from ${w.url}…`,
        );
        try {
          const artifacts = await loadModelArtifacts(w.url, hubFetcher(env, progress), (loaded, total) =>
            progress.status(`  ${manifest.id}: ${megabytes(loaded)} / ${megabytes(total)}`),
          );
          // Class names travel with the weights, so the model works offline afterwards.
          await manifestClassNames(manifest, env).catch(() => undefined);
          progress.clear();
          return artifacts;
        } catch (e) {
          progress.clear();
          throw new CliError(`Could not load ${manifest.name}: ${(e as Error).message}`, [
            `It is downloaded from ${w.url} on first use and kept in ${join(cacheDir(env), 'hub')}.`,
            'Without internet, give a folder holding a copy of its model.json and weight files instead (--model DIR).',
          ]);
        }
      },
      classNames: () => manifestClassNames(manifest, env),
    };
  }
  throw new CliError(`"${spec}" is a model stored in a browser; give its folder instead (--model DIR).`);
}

/** Every file of a folder (not recursive), with sizes. */
async function folderFiles(dir: string): Promise<{ path: string; size: number; abs: string }[]> {
  const names = await readdir(dir).catch((e: unknown) => {
    throw new CliError(`Cannot read the model folder ${dir}: ${(e as Error).message}`);
  });
  const out: { path: string; size: number; abs: string }[] = [];
  for (const name of names.sort()) {
    const abs = join(dir, name);
    const s = await stat(abs).catch(() => null);
    if (s?.isFile()) out.push({ path: name, size: s.size, abs });
  }
  return out;
}

/** The built-in manifest a folder's model.json is a copy of, if any. */
function matchBuiltin(json: ModelJson): ModelManifest | undefined {
  const bytes = describedBytes(json);
  const format = isGraphTopology(json.modelTopology) ? 'graph' : 'layers';
  const topology = JSON.stringify(json.modelTopology);
  return MODELS.find(
    (m) =>
      m.format === format &&
      m.sizeBytes === bytes &&
      topology.includes(JSON.stringify(m.sourceOutput)) &&
      topology.includes(JSON.stringify(m.featureOutput)),
  );
}

async function resolveFolder(path: string, env: CliEnv, options: FolderModelOptions): Promise<ResolvedModel> {
  const s = await stat(path).catch(() => null);
  if (!s) throw new CliError(`No such model folder: ${path}`);
  const dir = s.isDirectory() ? path : dirname(path);
  if (await isClipFolder(dir)) return resolveClipFolder(dir, env);
  const files = await folderFiles(dir);
  if (!files.some((f) => f.path.toLowerCase() === 'model.json')) {
    throw new CliError(`${dir} holds no model.json.`, [
      '--model takes a built-in id (autovp models), a folder with a TensorFlow.js model.json and its weight files,',
      'a CLIP checkpoint folder (config.json, model.safetensors, tokenizer.json) or hf:owner/name for a CLIP checkpoint on the Hugging Face hub.',
    ]);
  }
  let read;
  try {
    read = await artifactsFromFiles(files, async (f) => {
      const b = await readFile(f.abs);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    });
  } catch (e) {
    throw new CliError(`${dir}: ${(e as Error).message}`);
  }
  const sidecar = files.find(
    (f) => CLASS_NAME_FILES.test(f.path) && f.path.toLowerCase() !== 'model.json' && f.size < 5_000_000,
  );
  const sidecarNames = sidecar ? parseSidecarClassNames(sidecar.path, await readFile(sidecar.abs, 'utf8')) : null;
  const notes: string[] = [];
  const builtin = matchBuiltin(read.json);
  const shown = shownPath(env, dir);
  if (builtin && !options.sourceOutput && !options.featureOutput && !options.values) {
    notes.push(`${shown} holds ${builtin.name}: using its manifest (id ${builtin.id}).`);
    const count = sourceClassCount(builtin);
    return {
      id: builtin.id,
      manifest: builtin,
      origin: 'folder',
      folder: dir,
      notes,
      artifacts: async (progress) => {
        progress.line(`Loading ${builtin.name} from ${shown}…`);
        return read.artifacts;
      },
      classNames: async () => {
        if (sidecarNames && sidecarNames.length === count) return sidecarNames;
        return manifestClassNames(builtin, env).catch(() => null);
      },
    };
  }
  // Another model: inspect it as the app does, and let the flags override the proposals.
  let inspection;
  try {
    inspection = inspectArtifacts(read.artifacts, read.weightBytes);
  } catch (e) {
    throw new CliError(`${dir}: ${e instanceof ModelRefusal ? e.message : (e as Error).message}`);
  }
  const sourceOutput = options.sourceOutput ?? inspection.proposedSource;
  const featureOutput = options.featureOutput ?? inspection.proposedFeature ?? sourceOutput;
  if (!sourceOutput || !featureOutput) {
    throw new CliError(`${dir}: no output of this model can serve as class scores.`, [
      `Candidates: ${
        inspection.outputs
          .slice(0, 8)
          .map((o) => `${o.name} [${o.shape.join('×')}]`)
          .join(', ') || 'none'
      }.`,
    ]);
  }
  const source = inspection.outputs.find((o) => o.name === sourceOutput);
  const numSource = source?.size ?? 0;
  if (!source) {
    throw new CliError(`${dir}: "${sourceOutput}" is not one of this model's per-image outputs.`, [
      `Candidates: ${inspection.outputs
        .slice(0, 8)
        .map((o) => `${o.name} [${o.shape.join('×')}]`)
        .join(', ')}.`,
    ]);
  }
  if (!inspection.confident && !options.sourceOutput)
    notes.push(
      `Could not tell which output holds the class scores; using "${sourceOutput}" (choose with --source-output).`,
    );
  notes.push(...inspection.notes.filter((n) => !/check the choice below/.test(n)));
  const values = options.values ?? 'unit';
  if (!options.values)
    notes.push(
      `Assuming input values in ${VALUE_PRESETS.unit.label} (choose with --values unit|symmetric|bytes|imagenet).`,
    );
  const names = sidecarNames && sidecarNames.length === numSource ? sidecarNames : null;
  if (sidecarNames && !names)
    notes.push(
      `${sidecar?.path} lists ${sidecarNames.length} names but the model has ${numSource} outputs: classes are numbered.`,
    );
  const name = basename(dir);
  const manifest = userManifest(
    `folder:${name}`,
    inspection,
    { name, sourceOutput, featureOutput, values, ...(names ? { classNames: names } : {}) },
    { files: read.files },
    numSource,
  );
  manifest.notes = `Read by the autovp CLI from the folder ${dir}.`;
  manifest.trainedOn = 'Unknown (a model folder given to the CLI).';
  return {
    id: manifest.id,
    manifest,
    origin: 'folder',
    folder: dir,
    notes: [
      `${shown}: source output "${sourceOutput}" (${numSource} outputs), features "${featureOutput}", input ${inspection.inputSize}².`,
      ...notes,
    ],
    artifacts: async (progress) => {
      progress.line(`Loading the model in ${shown}…`);
      return read.artifacts;
    },
    classNames: async () => names,
  };
}

/** Builds the source model (errors become CliErrors naming the model). */
export function buildSource(model: ResolvedModel, artifacts: tf.io.ModelArtifacts): SourceModel {
  try {
    return createSourceModel(model.manifest, artifacts);
  } catch (e) {
    throw new CliError(`${model.manifest.name}: ${(e as Error).message}`);
  }
}
