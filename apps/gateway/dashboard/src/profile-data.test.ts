import fc from 'fast-check';
import type { ProfileSlotBody } from './api';
import { describeProfile, profileMeans } from './profile-data';

const hour = (index: number) => `${String(index).padStart(2, '0')}:00`;
const slots = fc
  .array(fc.record({ count: fc.nat({ max: 5 }), mean: fc.double({ min: 0, max: 1e6, noNaN: true }) }), { minLength: 24, maxLength: 24 })
  .map((drawn) =>
    drawn.map(({ count, mean }, index): ProfileSlotBody => ({
      start: hour(index),
      end: index === 23 ? '24:00' : hour(index + 1),
      count,
      incompleteCount: 0,
      mean: count === 0 ? null : mean,
      min: null,
      max: null,
      p10: null,
      p90: null,
    })),
  );

describe('profileMeans', () => {
  it('draws each counted hour at its mean and leaves uncounted hours as gaps, never zeros', () => {
    fc.assert(
      fc.property(slots, (drawn) => {
        expect(profileMeans(drawn)).toEqual(drawn.map((slot) => (slot.count > 0 ? slot.mean : null)));
      }),
    );
  });
});

describe('describeProfile', () => {
  it('names the hour with the highest and the lowest mean among the counted ones (the earliest on a tie)', () => {
    fc.assert(
      fc.property(slots, (drawn) => {
        const counted = drawn.filter((slot) => slot.count > 0);
        const text = describeProfile(drawn, 'kWh');
        if (counted.length === 0) return expect(text).toBeUndefined();
        const top = Math.max(...counted.map((slot) => slot.mean!));
        const bottom = Math.min(...counted.map((slot) => slot.mean!));
        const busiest = counted.find((slot) => slot.mean === top)!;
        const quietest = counted.find((slot) => slot.mean === bottom)!;
        expect(text).toMatch(new RegExp(`^busiest ${busiest.start}–${busiest.end} \\(.+ kWh\\), quietest ${quietest.start}–${quietest.end} \\(.+ kWh\\)$`));
      }),
    );
  });
});
