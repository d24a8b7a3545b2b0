/** The parts of a TF graph model (tfjs graph-model format) the executor reads. */
export interface GraphNode {
  name: string;
  op: string;
  /** Data inputs by node name (output index 0; control inputs dropped). */
  inputs: string[];
  attr: Record<string, AttrValue>;
}

export interface AttrValue {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  shape?: { dim?: { size?: string | number }[]; unknownRank?: boolean };
  list?: { s?: string[]; i?: (string | number)[]; f?: number[] };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isGraphTopology(topology: unknown): boolean {
  return isObject(topology) && Array.isArray(topology.node);
}

export function parseGraphTopology(topology: unknown): GraphNode[] {
  if (!isObject(topology) || !Array.isArray(topology.node)) throw new Error('Malformed graph model: modelTopology.node is not a list.');
  if (isObject(topology.library) && Array.isArray(topology.library.function) && topology.library.function.length > 0) {
    throw new Error('Graph models with control flow (function library) are not supported.');
  }
  return topology.node.map((raw, index) => {
    if (!isObject(raw) || typeof raw.name !== 'string' || typeof raw.op !== 'string') {
      throw new Error(`Malformed graph model: node #${index} has no name or op.`);
    }
    const inputs = Array.isArray(raw.input) ? raw.input : [];
    return {
      name: raw.name,
      op: raw.op,
      inputs: inputs.filter((i): i is string => typeof i === 'string' && !i.startsWith('^')).map((i) => {
        const [name, output] = i.split(':');
        if (output !== undefined && output !== '0') {
          throw new Error(`Node "${raw.name}" (${raw.op}) reads output ${output} of "${name}"; only first outputs are supported.`);
        }
        return name as string;
      }),
      attr: isObject(raw.attr) ? (raw.attr as Record<string, AttrValue>) : {},
    };
  });
}

/** Typed attribute reads; `where` names the node for the error message. */
export class Attrs {
  constructor(private readonly node: GraphNode, private readonly where: string) {}

  private get(key: string): AttrValue | undefined {
    return this.node.attr[key];
  }

  string(key: string, fallback?: string): string {
    const s = this.get(key)?.s;
    if (s === undefined) {
      if (fallback !== undefined) return fallback;
      throw new Error(`${this.where} has no attribute "${key}".`);
    }
    return atob(s);
  }

  strings(key: string): string[] {
    return (this.get(key)?.list?.s ?? []).map((s) => atob(s));
  }

  int(key: string, fallback?: number): number {
    const i = this.get(key)?.i;
    if (i === undefined) {
      if (fallback !== undefined) return fallback;
      throw new Error(`${this.where} has no attribute "${key}".`);
    }
    return Number(i);
  }

  ints(key: string, fallback?: number[]): number[] {
    const list = this.get(key)?.list?.i;
    if (list === undefined) {
      if (fallback) return fallback;
      throw new Error(`${this.where} has no attribute "${key}".`);
    }
    return list.map(Number);
  }

  float(key: string, fallback: number): number {
    return this.get(key)?.f ?? fallback;
  }

  bool(key: string, fallback: boolean): boolean {
    return this.get(key)?.b ?? fallback;
  }

  /** Dimensions of a shape attribute, −1 where unknown; null for unknown rank. */
  shape(key: string): number[] | null {
    const shape = this.get(key)?.shape;
    if (!shape || shape.unknownRank) return null;
    return (shape.dim ?? []).map((d) => Number(d.size ?? -1));
  }
}
