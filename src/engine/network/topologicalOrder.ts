/** Orders nodes so every node comes after its inputs; throws on unknown inputs and cycles. */
export function topologicalOrder<T>(
  nodes: readonly T[], nameOf: (n: T) => string, inputsOf: (n: T) => readonly string[], what: string,
): T[] {
  const byName = new Map<string, T>();
  for (const n of nodes) {
    if (byName.has(nameOf(n))) throw new Error(`Malformed model: two ${what}s are called "${nameOf(n)}".`);
    byName.set(nameOf(n), n);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const order: T[] = [];
  const visit = (n: T, path: string[]): void => {
    const name = nameOf(n);
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`Malformed model: ${what}s form a cycle (${[...path, name].join(' → ')}).`);
    state.set(name, 'visiting');
    const stack = [...path, name];
    for (const input of inputsOf(n)) {
      const source = byName.get(input);
      if (source === undefined) throw new Error(`Malformed model: ${what} "${name}" reads "${input}", which does not exist.`);
      visit(source, stack);
    }
    state.set(name, 'done');
    order.push(n);
  };
  for (const n of nodes) visit(n, []);
  return order;
}
