import { describe, expect, it } from 'vitest';
import { autovpSpace, enumerateTrials } from './space';
import { trialName } from './trialName';

const models = [{ id: 'net', numSource: 1000, textImage: false }];

describe('the prompt axis of the search space', () => {
  it('is AutoVP\'s padding prompt alone by default, with AutoVP\'s trial ids', () => {
    const { trials } = enumerateTrials(autovpSpace(['net']), models, 10);
    expect(trials.every((t) => t.design.prompt === undefined && !t.id.includes('lowrank'))).toBe(true);
  });

  it('tries the whole-input prompts once per mapping, not per scale and resize', () => {
    const space = { ...autovpSpace(['net']), mappings: ['fully' as const], prompts: ['pad' as const, 'lowrank' as const, 'smm' as const] };
    const { trials } = enumerateTrials(space, models, 10);
    const perPrompt = (p: string) => trials.filter((t) => t.design.prompt === p);
    expect(perPrompt('pad')).toHaveLength(space.scales.length * space.trainableResize.length);
    expect(perPrompt('lowrank').map((t) => t.id)).toEqual(['net/fully/lowrank']);
    expect(perPrompt('smm').map((t) => [t.id, t.design.trainableResize])).toEqual([['net/fully/smm', false]]);
    expect(trialName({ config: perPrompt('smm')[0]! })).toBe('FullyMap · SMM');
  });
});
