/** Checks a design value against its schema row: for links, the command line and incoming requests. */
import type { VPDesign } from './design';
import { fillsInput, PROMPT_SHAPES } from './kinds';
import { DESIGN_PARAMS, type DesignParam } from './schema';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** What is wrong with a value for this parameter, in words ("must be at most 5"), or null. */
export function paramProblem(p: DesignParam, v: unknown): string | null {
  switch (p.type) {
    case 'number':
    case 'int':
      if (typeof v !== 'number' || !Number.isFinite(v)) return 'takes a number';
      if (p.type === 'int' && !Number.isInteger(v)) return 'takes a whole number';
      if (v < p.min) return `must be at least ${p.min}`;
      if (v > p.max) return `must be at most ${p.max}`;
      return null;
    case 'flag':
      return typeof v === 'boolean' ? null : 'is on or off';
    case 'choice':
      return p.choices.some((c) => c.id === v) ? null : `must be one of ${p.choices.map((c) => c.id).join(', ')}`;
  }
}

/** A numeric parameter's valid values in words: "the learning rate ranges from 0.000001 to 100". */
export function rangeText(p: DesignParam & { min: number; max: number }): string {
  return `the ${p.noun} ranges from ${p.min} to ${p.max}${p.type === 'int' ? ' (whole numbers)' : ''}`;
}

/** A parameter's value from text (a link's value, a command-line argument). */
export function parseParam(p: DesignParam, raw: string): Parsed<VPDesign[keyof VPDesign]> {
  let value: unknown = raw;
  if (p.type === 'number' || p.type === 'int') value = NUMBER.test(raw.trim()) ? Number(raw) : NaN;
  else if (p.type === 'flag')
    value = raw === '1' || raw === 'true' ? true : raw === '0' || raw === 'false' ? false : raw;
  const problem = paramProblem(p, value);
  return problem ? { ok: false, problem } : { ok: true, value: value as VPDesign[keyof VPDesign] };
}

/** Every problem of a whole design (a request from the page, a prompt file's record), in words. */
export function designProblems(d: unknown): string[] {
  if (typeof d !== 'object' || d === null) return ['the design is missing'];
  const record = d as Record<string, unknown>;
  const problems = DESIGN_PARAMS.flatMap((p) => {
    const problem = paramProblem(p, record[p.key]);
    return problem ? [`${p.noun} ${problem} (got ${JSON.stringify(record[p.key])})`] : [];
  });
  const prompt = PROMPT_SHAPES.find((k) => k.id === record.prompt);
  if (prompt && fillsInput(prompt.id) && record.trainableResize === true) {
    problems.push(
      `trainable resize does not apply to the ${prompt.name} prompt, which resizes the image to the model’s whole input: turn it off`,
    );
  }
  return problems;
}
