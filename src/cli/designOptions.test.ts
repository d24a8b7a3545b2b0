import { describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../core/design/schema';
import { parseOptions } from './args';
import { SEARCH, TRAIN } from './commands';
import { designArgs, designFromOptions, givenDesign } from './designOptions';

const required = ['--data', 'd', '--model', 'm', '--out', 'o'];

describe('the design on the command line (derived from the schema)', () => {
  it('reads every design flag of autovp train into the design', () => {
    const o = parseOptions(TRAIN, [
      ...required,
      ...['--base-size', '96', '--scale', '1.5', '--trainable-resize', '--prompt', 'patch', '--patch-size', '48', '--rank', '8'],
      ...['--activation', 'identity', '--mapping', 'iter', '--k', '5', '--interval', '2', '--identity-init'],
      ...['--optimizer', 'sgd', '--lr', '0.01', '--weight-decay', '1e-5', '--momentum', '0.8', '--schedule', 'cosine'],
      ...['--epochs', '4', '--batch', '16', '--seed', '3'],
    ]);
    expect(designFromOptions(o)).toEqual({
      baseSize: 96,
      inputScale: 1.5,
      trainableResize: true,
      prompt: 'patch',
      patchSize: 48,
      promptRank: 8,
      promptActivation: 'identity',
      labelMapping: 'iter',
      k: 5,
      interval: 2,
      identityInit: true,
      optimizer: 'sgd',
      learningRate: 0.01,
      weightDecay: 1e-5,
      momentum: 0.8,
      schedule: 'cosine',
      epochs: 4,
      batchSize: 16,
      seed: 3,
    });
    expect(designFromOptions(parseOptions(TRAIN, required))).toEqual(DEFAULT_DESIGN);
    // designArgs is the inverse: the flags it writes read back as the same design.
    const design = designFromOptions(o);
    expect(designFromOptions(parseOptions(TRAIN, [...required, ...designArgs(design)]))).toEqual(design);
    expect(givenDesign(parseOptions(TRAIN, [...required, '--lr', '0.5', '--mapping', 'blm']))).toEqual({
      learningRate: 0.5,
      labelMapping: 'blm',
    });
  });

  it('refuses values outside the schema’s ranges, as the form and links do', () => {
    expect(() => parseOptions(TRAIN, [...required, '--scale', '6'])).toThrow(
      '--scale must be at most 5 (got 6): the input scale ranges from 0.1 to 5.',
    );
    expect(() => parseOptions(TRAIN, [...required, '--k', '0'])).toThrow(
      '--k must be at least 1 (got 0): the source labels per class (k) ranges from 1 to 100 (whole numbers).',
    );
  });

  it('leaves what the search varies (and the epochs ASHA decides) to the search’s own options', () => {
    const names = SEARCH.options.map((o) => o.name);
    for (const varied of ['scale', 'trainable-resize', 'mapping', 'k', 'interval', 'epochs']) expect(names).not.toContain(varied);
    for (const kept of ['prompt', 'base-size', 'lr', 'batch', 'seed']) expect(names).toContain(kept);
  });
});
