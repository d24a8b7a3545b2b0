import { describe, expect, it } from 'vitest';
import { FORWARD_SHARE, REFERENCE_SPEED } from '../../../core/search/searchEstimate';
import type { StoredRunInfo } from '../../../worker/api/runsApi';
import { searchSpeed } from './searchWork';

const run = (modelId: string, updatedAt: number, epochSeconds: number): StoredRunInfo =>
  ({
    id: `r${updatedAt}`,
    name: `run ${updatedAt}`,
    modelId,
    updatedAt,
    epochs: [{ epoch: 0, trainLoss: 1, trainAcc: 0.5, valLoss: 1, valAcc: 0.5, seconds: epochSeconds }],
    summary: { trainCount: 1000, valCount: 300 },
  }) as unknown as StoredRunInfo;

describe('searchSpeed: the speed an estimate uses', () => {
  const name = (id: string) => id.toUpperCase();

  it('reads the latest saved run of the model: epoch seconds over its training and validation images', () => {
    const { speed, missing } = searchSpeed(
      ['darknet-tiny'],
      [run('darknet-tiny', 1, 50), run('darknet-tiny', 2, 220)],
      name,
    );
    expect(missing).toEqual([]);
    expect(speed?.secondsPerImage).toBeCloseTo(220 / (1000 + 300 * FORWARD_SHARE));
    expect(speed?.source).toBe('your run “run 2”');
  });

  it("falls back on darknet-tiny's measured speed, and names the models it knows nothing of", () => {
    expect(searchSpeed(['darknet-tiny'], null, name).speed?.secondsPerImage).toBe(REFERENCE_SPEED.secondsPerImage);
    expect(searchSpeed(['darknet-tiny', 'other'], [], name).missing).toEqual(['OTHER']);
  });

  it('takes the slowest of several models', () => {
    const { speed } = searchSpeed(['darknet-tiny', 'big'], [run('big', 1, 1100)], name);
    expect(speed?.secondsPerImage).toBeCloseTo(1100 / 1100);
  });
});
