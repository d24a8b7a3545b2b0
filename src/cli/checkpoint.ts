/**
 * The CLI's checkpoint of a run at an epoch's end, in OUT.partial/checkpoint/: the prompt file of
 * that epoch (prompt.safetensors, the format the app exports and keeps per epoch) and the
 * engine's TrainerState (epochs so far, step, the shuffler's generator, the optimiser's moments)
 * as trainer.json, Float32 arrays as base64 so that they come back bit for bit. With both, the
 * engine continues the run exactly as if it had not been interrupted (runTraining's resumeState).
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VPDesign } from '../core/design/design';
import type { PromptFile } from '../engine/export/promptFile';
import { parsePromptFile } from '../engine/export/promptFileReader';
import type { OptimizerState } from '../engine/train/optimizer';
import type { TrainerState } from '../engine/train/trainer';
import { CliError } from './env';

const PROMPT = 'prompt.safetensors';
const STATE = 'trainer.json';
const FORMAT = 'autovp-cli-checkpoint';

/** What the command line chose besides the design: a resumed run must read the same images. */
export interface CheckpointRun {
  data: string;
  testData: string | null;
  model: string;
  selection: Record<string, unknown>;
  fit: string;
}

export interface Checkpoint {
  file: PromptFile;
  state: TrainerState;
  run: CheckpointRun;
}

const toBase64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function fromBase64(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

function encodeState(state: TrainerState, run: CheckpointRun): string {
  const slots = Object.fromEntries(
    Object.entries(state.optimizer.slots).map(([k, list]) => [k, list.map((a) => (a ? toBase64(a) : null))]),
  );
  return JSON.stringify({ format: FORMAT, version: 1, run, ...state, optimizer: { ...state.optimizer, slots } });
}

function decodeState(text: string): { state: TrainerState; run: CheckpointRun } {
  const j = JSON.parse(text) as Omit<TrainerState, 'optimizer'> & {
    format: string;
    run: CheckpointRun;
    optimizer: Omit<OptimizerState, 'slots'> & { slots: Record<string, (string | null)[]> };
  };
  if (j.format !== FORMAT) throw new Error(`not an autovp checkpoint (format ${JSON.stringify(j.format)})`);
  const slots = Object.fromEntries(
    Object.entries(j.optimizer.slots).map(([k, list]) => [k, list.map((s) => (s === null ? null : fromBase64(s)))]),
  );
  const { epochs, step, images, rng } = j;
  return { state: { epochs, step, images, rng, optimizer: { ...j.optimizer, slots } }, run: j.run };
}

/**
 * Replaces the checkpoint in `dir`: written beside it (dir.new), then swapped in, so that a
 * checkpoint on disk is always whole (readCheckpoint takes dir.new when the swap was cut short).
 */
export async function writeCheckpoint(dir: string, prompt: Uint8Array, state: TrainerState, run: CheckpointRun): Promise<void> {
  const fresh = `${dir}.new`;
  await rm(fresh, { recursive: true, force: true });
  await mkdir(fresh);
  await writeFile(join(fresh, PROMPT), prompt);
  await writeFile(join(fresh, STATE), encodeState(state, run));
  await rm(dir, { recursive: true, force: true });
  await rename(fresh, dir);
}

/** Reads `--resume DIR`: DIR is OUT.partial (or its checkpoint/ folder). */
export async function readCheckpoint(given: string): Promise<Checkpoint> {
  const candidates = [join(given, 'checkpoint'), join(given, 'checkpoint.new'), given];
  for (const dir of candidates) {
    if (!(await stat(join(dir, STATE)).catch(() => null))) continue;
    try {
      const file = parsePromptFile(new Uint8Array(await readFile(join(dir, PROMPT))));
      return { file, ...decodeState(await readFile(join(dir, STATE), 'utf8')) };
    } catch (e) {
      throw new CliError(`--resume ${given}: the checkpoint cannot be read (${(e as Error).message}).`);
    }
  }
  throw new CliError(`--resume ${given}: no checkpoint there.`, [
    'Give the OUT.partial folder an interrupted `autovp train` named (it holds checkpoint/trainer.json).',
  ]);
}

/** The design options of this command line that differ from the checkpoint's, in words. */
export function designDifferences(checkpoint: VPDesign, asked: VPDesign): string[] {
  return (Object.keys(checkpoint) as (keyof VPDesign)[])
    .filter((k) => JSON.stringify(checkpoint[k]) !== JSON.stringify(asked[k]))
    .map((k) => `${k}: ${JSON.stringify(checkpoint[k])} in the checkpoint, ${JSON.stringify(asked[k])} now`);
}
