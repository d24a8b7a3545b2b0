/** The design's command-line options and their reading, derived from the design schema. */
import type { VPDesign } from '../core/design/design';
import { DEFAULT_DESIGN, DESIGN_PARAMS, type DesignParam } from '../core/design/schema';
import { paramProblem, rangeText } from '../core/design/validate';
import type { OptionSpec, ParsedOptions } from './args';

function optionOf(p: DesignParam & { cli: string }): OptionSpec {
  const common = { name: p.cli, help: p.help ?? `${p.label}.`, ...(p.cliArg ? { arg: p.cliArg } : {}) };
  switch (p.type) {
    case 'number':
    case 'int':
      return {
        ...common,
        kind: p.type,
        min: p.min,
        max: p.max,
        validate: (v) => paramProblem(p, v),
        range: rangeText(p),
        defaultText: String(p.default),
      };
    case 'choice':
      return { ...common, kind: 'string', choices: p.choices.map((c) => c.id), defaultText: p.default };
    case 'flag':
      return { ...common, kind: 'flag' };
  }
}

const onCommandLine = (p: DesignParam): p is DesignParam & { cli: string } => p.cli !== undefined;

/** `autovp train`: every design parameter. */
export const TRAIN_DESIGN_OPTIONS: OptionSpec[] = DESIGN_PARAMS.filter(onCommandLine).map(optionOf);

/**
 * `autovp search`: the parameters its space does not vary (those with search values have their
 * own list options) and no epoch count (ASHA decides it).
 */
export const SEARCH_DESIGN_OPTIONS: OptionSpec[] = DESIGN_PARAMS.filter(onCommandLine)
  .filter((p) => p.search === undefined && p.key !== 'epochs')
  .map(optionOf);

/** The design the options give, every other parameter at its default. */
export function designFromOptions(o: ParsedOptions): VPDesign {
  const design: Record<string, unknown> = { ...DEFAULT_DESIGN };
  for (const p of DESIGN_PARAMS) {
    const v = p.cli === undefined ? undefined : o[p.cli];
    if (v !== undefined) design[p.key] = v;
  }
  return design as unknown as VPDesign;
}

/** Only the design values given on the command line. */
export function givenDesign(o: ParsedOptions): Partial<VPDesign> {
  const design: Record<string, unknown> = {};
  for (const p of DESIGN_PARAMS) {
    const v = p.cli === undefined ? undefined : o[p.cli];
    if (v !== undefined) design[p.key] = v;
  }
  return design as Partial<VPDesign>;
}

/** The command-line arguments that give these design values (the inverse of designFromOptions). */
export function designArgs(design: Partial<VPDesign>): string[] {
  const args: string[] = [];
  for (const p of DESIGN_PARAMS.filter(onCommandLine)) {
    const v = design[p.key];
    if (v === undefined) continue;
    if (p.type !== 'flag') args.push(`--${p.cli}`, String(v));
    else if (v) args.push(`--${p.cli}`);
    else if (p.default) throw new Error(`--${p.cli} is on by default and has no way to turn it off`);
  }
  return args;
}
