import { describe, expect, it } from 'vitest';
import { accuracyAxis, epochAxis, lossAxis, niceTicks, tickDecimals, tooltipValue } from './chartAxes';

const labels = (axis: { ticks: number[]; format(v: number): string }) => axis.ticks.map((t) => axis.format(t));
const distinct = (xs: string[]) => new Set(xs).size === xs.length;

describe('chart axes', () => {
  it('the first batches of an epoch get distinct epoch ticks (not "0, 0.0, 0.0, 0.1")', () => {
    const axis = epochAxis(0.05);
    expect(labels(axis)).toEqual(['0', '0.01', '0.02', '0.03', '0.04', '0.05']);
    expect(axis.domain).toEqual([0, 0.05]);
  });

  it('epoch ticks are whole epochs once there are several, quarters within one', () => {
    expect(labels(epochAxis(1))).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1']);
    expect(labels(epochAxis(3))).toEqual(['0', '1', '2', '3']);
    expect(labels(epochAxis(10))).toEqual(['0', '2', '4', '6', '8', '10']);
    expect(labels(epochAxis(2.3))).toEqual(['0', '0.5', '1', '1.5', '2', '2.5']);
    expect(labels(epochAxis(0))).toEqual(labels(epochAxis(1)));
  });

  it('loss ticks cover the data with the same decimals on every tick', () => {
    const axis = lossAxis([2.31, 1.52, 0.94]);
    expect(labels(axis)).toEqual(['0.5', '1.0', '1.5', '2.0', '2.5']);
    expect(axis.domain[0]).toBeLessThanOrEqual(0.94);
    expect(axis.domain[1]).toBeGreaterThanOrEqual(2.31);
  });

  it('a loss that barely moves still reads as different ticks', () => {
    const axis = lossAxis([0.6931, 0.6934, 0.6929]);
    const l = labels(axis);
    expect(distinct(l)).toBe(true);
    expect(l).toEqual(['0.6928', '0.6930', '0.6932', '0.6934']);
  });

  it('one loss value gets an axis around it; the loss axis never goes below 0', () => {
    const one = lossAxis([3.7]);
    expect(one.domain[0]).toBeLessThan(3.7);
    expect(one.domain[1]).toBeGreaterThan(3.7);
    expect(distinct(labels(one))).toBe(true);
    expect(lossAxis([0.001, 0.05]).domain[0]).toBe(0);
    expect(lossAxis([0]).ticks.every((t) => t >= 0)).toBe(true);
    expect(lossAxis([]).domain).toEqual([0, 1]);
    expect(lossAxis([NaN, 2]).ticks.length).toBeGreaterThan(1);
  });

  it('labels are distinct over many ranges', () => {
    for (const [lo, hi] of [
      [0, 1e-4],
      [0.1234, 0.1236],
      [2.2, 2.4],
      [0, 7],
      [5, 1234],
      [0.05, 6.2],
    ] as const) {
      const ticks = niceTicks(lo, hi);
      expect(ticks[0]).toBeLessThanOrEqual(lo);
      expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(hi);
      expect(ticks.length).toBeLessThanOrEqual(7);
      const d = tickDecimals(ticks);
      expect(distinct(ticks.map((t) => t.toFixed(d))), `${lo}..${hi}`).toBe(true);
    }
  });

  it('accuracy is in percent, tooltips keep enough digits', () => {
    expect(labels(accuracyAxis())).toEqual(['0%', '25%', '50%', '75%', '100%']);
    expect(tooltipValue('Acc', 0.1234)).toBe('12.3%');
    expect(tooltipValue('Loss', 0.693147)).toBe('0.6931');
    expect(tooltipValue('Loss', 0.000123456)).toBe('0.0001235');
  });
});
