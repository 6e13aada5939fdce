import fc from 'fast-check';
import { estimateText, linearEstimates, profileEstimates, type StoredValue } from './estimation';

const STEP = 900_000;
const actual = (usage: number | null): StoredValue => ({ usage, quality: 'actual' });

describe('linearEstimates', () => {
  it('fills a gap between two actual values on the straight line, and not one longer than the limit', () => {
    // Slot -1 = 1, slots 0..2 empty, slot 3 = 5; slots 4..8 empty (5 long), slot 9 = 2.
    const stored = new Map<number, StoredValue>([
      [-STEP, actual(1)],
      [0, actual(null)],
      [3 * STEP, actual(5)],
      [9 * STEP, actual(2)],
    ]);
    const outcome = linearEstimates({ firstSlotMs: 0, slotCount: 9, stepMs: STEP, stored }, 4);
    expect(outcome).toEqual({
      gaps: 8,
      estimates: [
        { startMs: 0, usage: '2' },
        { startMs: STEP, usage: '3' },
        { startMs: 2 * STEP, usage: '4' },
      ],
    });
  });

  it('never estimates from an estimate, nor across a gap open at either end', () => {
    const stored = new Map<number, StoredValue>([
      [0, { usage: 3, quality: 'estimated' }],
      [2 * STEP, actual(1)],
    ]);
    expect(linearEstimates({ firstSlotMs: 0, slotCount: 5, stepMs: STEP, stored }, 10).estimates).toEqual([]);
  });

  it('gives each interval of any gap a value between its neighbours, in order (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1e6 }), fc.nat({ max: 1e6 }), fc.integer({ min: 1, max: 50 }), (before, after, length) => {
        const stored = new Map<number, StoredValue>([
          [-STEP, actual(before / 1000)],
          [length * STEP, actual(after / 1000)],
        ]);
        const { estimates } = linearEstimates({ firstSlotMs: 0, slotCount: length, stepMs: STEP, stored }, length);
        expect(estimates.map((estimate) => estimate.startMs)).toEqual(Array.from({ length }, (_, k) => k * STEP));
        const values = estimates.map((estimate) => Number(estimate.usage));
        const [low, high] = [Math.min(before, after) / 1000, Math.max(before, after) / 1000];
        for (const value of values) expect(value >= low - 1e-6 && value <= high + 1e-6).toBe(true);
        const sorted = [...values].sort((a, b) => (before <= after ? a - b : b - a));
        expect(values).toEqual(sorted);
      }),
    );
  });
});

describe('profileEstimates', () => {
  it('averages the same local weekday and time of earlier weeks across a DST change', () => {
    // Monday 2024-04-01 00:00 in Amsterdam (CEST) is 2024-03-31T22:00Z; the Mondays before it were
    // CET, so the same local time one and two weeks earlier is 23:00Z, not 22:00Z.
    const gap = Date.parse('2024-03-31T22:00:00Z');
    const stored = new Map<number, StoredValue>([
      [Date.parse('2024-03-24T23:00:00Z'), actual(2)],
      [Date.parse('2024-03-17T23:00:00Z'), actual(4)],
      [Date.parse('2024-03-24T22:00:00Z'), actual(100)], // 23:00 local on Sunday: not the same time
    ]);
    expect(profileEstimates({ firstSlotMs: gap, slotCount: 1, stepMs: STEP, stored }, 'Europe/Amsterdam', 4)).toEqual({
      gaps: 1,
      estimates: [{ startMs: gap, usage: '3' }],
    });
  });
});

describe('estimateText', () => {
  it('writes at most six decimals without trailing zeros', () => {
    expect([estimateText(1 / 3), estimateText(2), estimateText(0.1 + 0.2), estimateText(0)]).toEqual(['0.333333', '2', '0.3', '0']);
  });
});
