import { describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import { decodeLink, encodeLink, type LinkConfig } from './urlState';

const defaults: LinkConfig = {
  datasetId: 'mnist',
  modelId: 'nsfwjs-mobilenet-v2',
  design: { ...DEFAULT_DESIGN, learningRate: 0.05 },
  data: { valFraction: 0.1, trainImages: 500, valImages: 200, testImages: 500, fraction: 1 },
  baseline: true,
};

const changed: LinkConfig = {
  datasetId: 'imported-3f2a9c1e-1111-4222-8333-444455556666',
  modelId: 'user-my-net-lx2k9',
  design: {
    ...defaults.design,
    baseSize: 96,
    inputScale: 1.5,
    trainableResize: true,
    prompt: 'patch',
    patchSize: 40,
    promptActivation: 'identity',
    labelMapping: 'iter',
    k: 5,
    interval: 2,
    identityInit: true,
    optimizer: 'sgd',
    learningRate: 1e-4,
    weightDecay: 1e-10,
    momentum: 0.85,
    schedule: 'cosine',
    epochs: 12,
    batchSize: 20,
    seed: 2147483647,
  },
  data: { valFraction: 0.25, trainImages: 40, valImages: 30, testImages: 0, fraction: 4, testFraction: 0.2 },
  baseline: false,
};

describe('configuration links', () => {
  it('round-trips every field', () => {
    const hash = encodeLink(changed);
    expect(hash.startsWith('v1&ds=imported-3f2a9c1e')).toBe(true);
    const decoded = decodeLink(`#${hash}`, defaults)!;
    expect(decoded.notices).toEqual([]);
    expect(decoded.config).toEqual(changed);
    expect(decoded.present.size).toBe(28);
  });

  it('is compact and readable', () => {
    const hash = encodeLink(defaults);
    expect(hash).toBe(
      'v1&ds=mnist&m=nsfwjs-mobilenet-v2&base=128&s=1&tr=0&p=pad&ps=32&rank=4&act=sigmoid&map=fully&k=1&int=1&idi=0&opt=adam&lr=0.05&wd=0&mom=0.9&sch=step&ep=2&bs=16&seed=7&n=500&nv=200&nt=500&vf=0.1&r=1&lp=1',
    );
    expect(hash.length).toBeLessThan(260);
  });

  it('keeps the defaults for what a link leaves out', () => {
    const decoded = decodeLink('#v1&ds=fashion-mnist&map=freq&k=10', defaults)!;
    expect(decoded.notices).toEqual([]);
    expect(decoded.config).toEqual({
      ...defaults,
      datasetId: 'fashion-mnist',
      design: { ...defaults.design, labelMapping: 'freq', k: 10 },
    });
    expect([...decoded.present]).toEqual(['ds', 'map', 'k']);
  });

  it('falls back to the default for each invalid value, and says so', () => {
    const decoded = decodeLink('#v1&s=9&map=telepathy&ep=2.5&tr=yes&lr=abc&seed=-1&bs=20&ds=a%20b&zoom=3', defaults)!;
    expect(decoded.config).toEqual({ ...defaults, design: { ...defaults.design, batchSize: 20 } });
    expect(decoded.notices).toEqual([
      "The link's input scale “9” is not valid; using 1.",
      "The link's label mapping “telepathy” is not valid; using fully.",
      "The link's epochs “2.5” is not valid; using 2.",
      "The link's trainable resize “yes” is not valid; using off.",
      "The link's learning rate “abc” is not valid; using 0.05.",
      "The link's seed “-1” is not valid; using 7.",
      "The link's dataset “a b” is not valid; using mnist.",
      "The link's “zoom” is not known here and was ignored.",
    ]);
  });

  it('refuses validation and test shares over 90%', () => {
    const decoded = decodeLink('#v1&vf=0.5&tf=0.5', defaults)!;
    expect(decoded.config.data.valFraction).toBe(0.5);
    expect(decoded.config.data.testFraction).toBeUndefined();
    expect(decoded.notices[0]).toMatch(/more than 90%/);
  });

  it('ignores hashes that are not configuration links, and says when a version is unknown', () => {
    expect(decodeLink('', defaults)).toBeNull();
    expect(decodeLink('#', defaults)).toBeNull();
    expect(decodeLink('#results', defaults)).toBeNull();
    const newer = decodeLink('#v7&ds=mnist', defaults)!;
    expect(newer.config).toEqual(defaults);
    expect(newer.notices[0]).toMatch(/newer version/);
  });

  it('survives malformed percent-encoding', () => {
    const decoded = decodeLink('#v1&ds=%E0%A4%A', defaults)!;
    expect(decoded.config.datasetId).toBe('mnist');
    expect(decoded.notices).toHaveLength(1);
  });
});
