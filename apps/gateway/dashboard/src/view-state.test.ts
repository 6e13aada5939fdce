import type { ViewState } from './url-state';
import { nextState } from './view-state';

const utc = (iso: string) => Date.parse(iso);
const NOW = utc('2019-01-17T12:00:00Z');
const view: ViewState = { meter: 'meter-1', from: '2019-01-01', to: '2019-02-01', bucket: 'hour', tz: 'Europe/Amsterdam' };
const resolved = { fromMs: utc('2018-12-31T23:00:00Z'), toMs: utc('2019-01-31T23:00:00Z') };

describe('nextState', () => {
  it('keeps the range when the meter changes, and drops it for "all data" of a new meter', () => {
    expect(nextState(view, { type: 'meter', meter: 'meter-2' }, resolved, NOW)).toEqual({ ...view, meter: 'meter-2' });
    expect(nextState(view, { type: 'meter', meter: 'meter-2', allData: true }, resolved, NOW)).toEqual({ meter: 'meter-2', tz: 'Europe/Amsterdam' });
  });

  it('switches between energy and power, keeping the choice for all data and another meter', () => {
    const power = nextState(view, { type: 'quantity', quantity: 'power' }, resolved, NOW);
    expect(power).toEqual({ ...view, quantity: 'power' });
    expect(nextState(power, { type: 'quantity', quantity: 'energy' }, resolved, NOW)).toEqual(view);
    expect(nextState(power, { type: 'preset', preset: 'all' }, resolved, NOW)).toEqual({ meter: 'meter-1', tz: 'Europe/Amsterdam', quantity: 'power' });
    expect(nextState(power, { type: 'meter', meter: 'meter-2', allData: true }, resolved, NOW)).toEqual({
      meter: 'meter-2',
      tz: 'Europe/Amsterdam',
      quantity: 'power',
    });
  });

  it('keeps plain dates as dates and instants as the same instants when the zone changes', () => {
    const withInstant = { ...view, to: '2019-01-17T03:30:00+01:00' };
    expect(nextState(withInstant, { type: 'tz', tz: 'UTC' }, resolved, NOW)).toEqual({ ...view, tz: 'UTC', to: '2019-01-17T02:30:00Z' });
  });

  it('sets a preset in the month the view ends in, or clears the range for "all"', () => {
    expect(nextState(view, { type: 'preset', preset: 'week' }, resolved, NOW)).toEqual({ ...view, from: '2019-01-28', to: '2019-02-04', bucket: 'hour' });
    expect(nextState(view, { type: 'preset', preset: 'day' }, undefined, NOW)).toEqual({ ...view, from: '2019-01-17', to: '2019-01-18', bucket: 'hour' });
    expect(nextState(view, { type: 'preset', preset: 'all' }, resolved, NOW)).toEqual({ meter: 'meter-1', tz: 'Europe/Amsterdam' });
  });

  it('shifts the resolved range and picks a width that fits a zoomed range', () => {
    expect(nextState(view, { type: 'shift', direction: 1 }, resolved, NOW)).toEqual({ ...view, from: '2019-02-01', to: '2019-03-01' });
    expect(nextState(view, { type: 'zoom', fromMs: utc('2019-01-17T02:00:00Z'), toMs: utc('2019-01-17T04:00:00Z') }, resolved, NOW)).toEqual({
      ...view,
      from: '2019-01-17T03:00:00+01:00',
      to: '2019-01-17T05:00:00+01:00',
      bucket: '15m',
    });
  });
});
