/**
 * A small, strict option parser: `--name value`, `--name=value`, flags, repeatable options,
 * choices and numeric ranges checked up front, unknown options refused with a suggestion.
 */
import { CliError } from './env';

export type OptionKind = 'string' | 'number' | 'int' | 'flag' | 'list';

export interface OptionSpec {
  name: string;
  kind: OptionKind;
  /** Placeholder in the help, e.g. DIR, N. */
  arg?: string;
  help: string;
  choices?: readonly string[];
  /** Shown in the help. */
  defaultText?: string;
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
  /** A design parameter's own check (core/design/validate.ts), in place of min and max. */
  validate?: (value: number) => string | null;
  /** The valid values in words, added to a refusal ("the learning rate takes 0.000001 to 100"). */
  range?: string;
  required?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec[];
  /** Paragraphs after the options. */
  notes?: string[];
  examples?: string[];
}

export type ParsedOptions = Record<string, string | number | boolean | string[] | undefined>;

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      row[j] = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

export function suggest(word: string, options: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const o of options) {
    const dd = distance(word, o);
    if (dd < bestD) {
      bestD = dd;
      best = o;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

function convert(spec: OptionSpec, raw: string): string | number {
  const flag = `--${spec.name}`;
  if (spec.kind === 'number' || spec.kind === 'int') {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v))
      throw new CliError(`${flag} takes a number, not ${JSON.stringify(raw)}.`);
    if (spec.kind === 'int' && !Number.isInteger(v)) throw new CliError(`${flag} takes a whole number, not ${raw}.`);
    const problem = spec.validate?.(v);
    if (problem) throw new CliError(`${flag} ${problem} (got ${raw})${spec.range ? `: ${spec.range}` : ''}.`);
    if (spec.min !== undefined && v < spec.min)
      throw new CliError(`${flag} must be at least ${spec.min} (got ${raw}).`);
    if (spec.max !== undefined && v > spec.max) throw new CliError(`${flag} must be at most ${spec.max} (got ${raw}).`);
    if (spec.above !== undefined && !(v > spec.above))
      throw new CliError(`${flag} must be above ${spec.above} (got ${raw}).`);
    return v;
  }
  if (spec.choices && !spec.choices.includes(raw)) {
    const s = suggest(raw, spec.choices);
    throw new CliError(
      `${flag} must be one of ${spec.choices.join(', ')} (got ${JSON.stringify(raw)}${s ? `; did you mean ${s}?` : ''}).`,
    );
  }
  return raw;
}

/** Parses argv (without the command name) against a command's options; `help` is always known. */
export function parseOptions(command: CommandSpec, argv: readonly string[]): ParsedOptions & { help?: boolean } {
  const out: ParsedOptions = {};
  const byName = new Map(command.options.map((o) => [o.name, o]));
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '-h' || token === '--help') {
      out.help = true;
      continue;
    }
    if (!token.startsWith('--') || token === '--') {
      throw new CliError(
        `Unexpected argument ${JSON.stringify(token)} for autovp ${command.name}: every input is given with an option (see autovp ${command.name} --help).`,
      );
    }
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) {
      const s = suggest(name, [...byName.keys()]);
      throw new CliError(`Unknown option --${name} for autovp ${command.name}${s ? `: did you mean --${s}?` : '.'}`, [
        `autovp ${command.name} --help lists the options.`,
      ]);
    }
    if (spec.kind === 'flag') {
      if (eq >= 0) throw new CliError(`--${name} is a switch and takes no value.`);
      out[name] = true;
      continue;
    }
    let raw: string;
    if (eq >= 0) raw = token.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2))
        throw new CliError(`--${name} needs a value (${spec.arg ?? 'VALUE'}).`);
      raw = next;
      i++;
    }
    if (spec.kind === 'list') {
      const prev = (out[name] as string[] | undefined) ?? [];
      out[name] = [
        ...prev,
        ...raw
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x !== '')
          .map((x) => String(convert({ ...spec, kind: 'string' }, x))),
      ];
    } else {
      if (out[name] !== undefined) throw new CliError(`--${name} is given twice.`);
      out[name] = convert(spec, raw);
    }
  }
  if (!out.help) {
    for (const spec of command.options) {
      if (spec.required && out[spec.name] === undefined) {
        throw new CliError(`autovp ${command.name} needs --${spec.name} ${spec.arg ?? ''}`.trimEnd() + '.', [
          `${spec.help}`,
          `See autovp ${command.name} --help.`,
        ]);
      }
    }
  }
  return out;
}

/** Wraps text at `width` columns with a hanging indent. */
function wrap(text: string, width: number, indent: number): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width - indent) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

export function commandHelp(command: CommandSpec, width = 100): string {
  const rows = command.options.map((o) => {
    const left = `  --${o.name}${o.kind === 'flag' ? '' : ` ${o.arg ?? 'VALUE'}`}`;
    const extras = [
      o.choices && !o.help.includes(o.choices.join('|')) ? `one of ${o.choices.join(', ')}` : null,
      o.defaultText !== undefined ? `default ${o.defaultText}` : null,
      o.required ? 'required' : null,
    ].filter(Boolean);
    return { left, right: `${o.help}${extras.length ? ` (${extras.join('; ')})` : ''}` };
  });
  const col = Math.min(32, Math.max(...rows.map((r) => r.left.length)) + 2);
  const lines = [
    `autovp ${command.name} — ${command.summary}`,
    '',
    `Usage: ${command.usage}`,
    '',
    'Options:',
    ...rows.map((r) =>
      r.left.length + 1 > col
        ? `${r.left}\n${' '.repeat(col)}${wrap(r.right, width, col)}`
        : `${r.left.padEnd(col)}${wrap(r.right, width, col)}`,
    ),
    `  --help${' '.repeat(Math.max(1, col - 8))}this help`,
  ];
  for (const n of command.notes ?? []) lines.push('', wrap(n, width, 0));
  if (command.examples?.length) lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}
