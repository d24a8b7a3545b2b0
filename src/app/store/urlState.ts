/**
 * The whole configuration of a run (dataset, model, every design choice, the data selection,
 * the seed, the linear-probing flag) as a compact, versioned URL hash, so that a link restores
 * it: `#v1&ds=mnist&m=nsfwjs-mobilenet-v2&s=1&map=fully&…&seed=7&lp=1`.
 *
 * Pure: no DOM, no store. Every value is checked on the way in; a value that is missing keeps
 * the default, one that is invalid falls back to the default with a notice saying so.
 */
import type { VPDesign } from '../../core/design/design';
import { DESIGN_PARAMS, type DesignParam } from '../../core/design/schema';
import { parseParam } from '../../core/design/validate';
import type { DataSelection } from '../../worker/api/trainingApi';

export const LINK_VERSION = 1;

export interface LinkConfig {
  datasetId: string;
  modelId: string;
  design: VPDesign;
  data: DataSelection;
  baseline: boolean;
}

type Parsed<T> = { ok: true; value: T } | { ok: false };

interface FieldSpec<T> {
  key: string;
  label: string;
  get(c: LinkConfig): T | undefined;
  set(c: LinkConfig, v: T): void;
  parse(raw: string): Parsed<T>;
  write(v: T): string;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad: Parsed<never> = { ok: false };

function number(min: number, max: number, integer = false) {
  return (raw: string): Parsed<number> => {
    if (!/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw)) return bad;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) return bad;
    return ok(v);
  };
}

const flag = (raw: string): Parsed<boolean> => (raw === '1' ? ok(true) : raw === '0' ? ok(false) : bad);
const id = (raw: string): Parsed<string> => (/^[\w.:@~-]{1,200}$/.test(raw) ? ok(raw) : bad);
const num = (v: number) => String(v);
const bit = (v: boolean) => (v ? '1' : '0');

function dataField<K extends keyof DataSelection>(
  key: string,
  label: string,
  field: K,
  parse: (raw: string) => Parsed<number>,
): FieldSpec<number> {
  return {
    key,
    label,
    get: (c) => c.data[field],
    set: (c, v) => ((c.data as unknown as Record<string, number>)[field] = v),
    parse,
    write: num,
  };
}

/** A field of any value type, for the list below. */
const field = <T>(spec: FieldSpec<T>) => spec as unknown as FieldSpec<never>;

/** A design parameter's field, from its schema row. */
function designField(p: DesignParam): FieldSpec<never> {
  return field<VPDesign[keyof VPDesign]>({
    key: p.url,
    label: p.noun,
    get: (c) => c.design[p.key],
    set: (c, v) => ((c.design as unknown as Record<string, unknown>)[p.key] = v),
    parse: (raw) => {
      const parsed = parseParam(p, raw);
      return parsed.ok ? ok(parsed.value) : bad;
    },
    write: (v) => (typeof v === 'boolean' ? bit(v) : String(v)),
  });
}

/** Every field of a link, in the order it is written; the design's come from its schema. */
const FIELDS: FieldSpec<never>[] = [
  field<string>({
    key: 'ds',
    label: 'dataset',
    get: (c) => c.datasetId,
    set: (c, v) => (c.datasetId = v),
    parse: id,
    write: encodeURIComponent,
  }),
  field<string>({
    key: 'm',
    label: 'model',
    get: (c) => c.modelId,
    set: (c, v) => (c.modelId = v),
    parse: id,
    write: encodeURIComponent,
  }),
  ...DESIGN_PARAMS.map(designField),
  field(dataField('n', 'training images', 'trainImages', number(2, 100_000, true))),
  field(dataField('nv', 'validation images', 'valImages', number(2, 20_000, true))),
  field(dataField('nt', 'test images', 'testImages', number(0, 20_000, true))),
  field(dataField('vf', 'validation share', 'valFraction', number(0.01, 0.9))),
  field(dataField('tf', 'test share', 'testFraction', number(0, 0.9))),
  field(dataField('r', 'training-pool fraction (r)', 'fraction', number(1, 1000))),
  field<boolean>({
    key: 'lp',
    label: 'linear-probing comparison',
    get: (c) => c.baseline,
    set: (c, v) => (c.baseline = v),
    parse: flag,
    write: bit,
  }),
];

/** The hash (without '#') that restores `config`. */
export function encodeLink(config: LinkConfig): string {
  const parts = [`v${LINK_VERSION}`];
  for (const f of FIELDS) {
    const v = f.get(config);
    if (v !== undefined) parts.push(`${f.key}=${f.write(v)}`);
  }
  return parts.join('&');
}

export interface DecodedLink {
  /** The defaults with every valid value of the link applied. */
  config: LinkConfig;
  /** Fields the link set validly (keys of FIELDS: 'ds', 'm', 'lr', …). */
  present: Set<string>;
  /** What was wrong with the link, in words, and what was used instead. */
  notices: string[];
}

const clone = (c: LinkConfig): LinkConfig => ({ ...c, design: { ...c.design }, data: { ...c.data } });

function shown(v: unknown): string {
  return typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v);
}

/**
 * Reads a link's hash (with or without '#') over the defaults. Null when the hash is not a
 * configuration link at all (empty, or an anchor of the page).
 */
export function decodeLink(hash: string, defaults: LinkConfig): DecodedLink | null {
  const text = hash.replace(/^#/, '');
  if (!text) return null;
  const [head, ...rest] = text.split('&');
  const version = /^v(\d+)$/.exec(head ?? '');
  if (!version) return null;
  const config = clone(defaults);
  const present = new Set<string>();
  if (Number(version[1]) !== LINK_VERSION) {
    return {
      config,
      present,
      notices: [
        `This link was made by a ${Number(version[1]) > LINK_VERSION ? 'newer' : 'different'} version of the app (v${version[1]}); it cannot be read here, so the default configuration is used.`,
      ],
    };
  }
  const notices: string[] = [];
  const unknown: string[] = [];
  for (const part of rest) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    let raw: string;
    try {
      raw = decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1));
    } catch {
      raw = '\u0000';
    }
    const field = FIELDS.find((f) => f.key === key);
    if (!field) {
      unknown.push(key);
      continue;
    }
    const parsed = field.parse(raw) as Parsed<never>;
    if (parsed.ok) {
      field.set(config, parsed.value);
      present.add(key);
    } else {
      const fallback = field.get(defaults);
      notices.push(
        `The link's ${field.label} “${raw.slice(0, 40)}” is not valid${fallback === undefined ? '; it is left out' : `; using ${shown(fallback)}`}.`,
      );
    }
  }
  const d = config.data;
  if (d.testFraction !== undefined && d.valFraction + d.testFraction > 0.9) {
    notices.push(
      `The link's validation and test shares add up to more than 90%; the test share is left at ${shown(defaults.data.testFraction ?? 0)}.`,
    );
    if (defaults.data.testFraction === undefined) delete d.testFraction;
    else d.testFraction = defaults.data.testFraction;
    present.delete('tf');
  }
  if (unknown.length)
    notices.push(
      `The link's ${unknown.map((k) => `“${k.slice(0, 20)}”`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not known here and ${unknown.length === 1 ? 'was' : 'were'} ignored.`,
    );
  return { config, present, notices };
}
