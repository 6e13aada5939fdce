import { formatPresence, formatQualityCounts, formatSpan, formatUsage } from './format';

describe('formatUsage', () => {
  it('shows a dash, never zero, when there is no value', () => {
    expect(formatUsage(undefined, 'kWh')).toBe('—');
    expect(formatUsage(null, 'kWh')).toBe('—');
    expect(formatUsage(0, 'kWh')).toMatch(/^0 kWh$/);
  });
});

describe('formatPresence', () => {
  it('says how many of the expected intervals are present', () => {
    expect(formatPresence(95, 96)).toMatch(/^95 of 96$/);
  });
});

describe('formatQualityCounts', () => {
  it('names only the kinds present, estimated first, and nothing when all values are actual', () => {
    expect(formatQualityCounts(2, 1)).toBe('2 estimated, 1 edited');
    expect(formatQualityCounts(0, 1_500)).toMatch(/^1.500 edited$/);
    expect(formatQualityCounts(0, 0)).toBe('');
  });
});

describe('formatSpan', () => {
  const utc = (iso: string) => Date.parse(iso);

  it('shows only the end time when the end falls on the start date in the zone', () => {
    const [start, end] = formatSpan(utc('2019-01-17T02:00:00Z'), utc('2019-01-17T02:15:00Z'), 'Europe/Amsterdam').split(' – ');
    expect(start).toMatch(/2019/);
    expect(end).not.toMatch(/2019/);
  });

  it('shows the end date when the end is on another date in the zone', () => {
    // 22:30-23:30 UTC is the same UTC date but crosses midnight in Amsterdam.
    const [, end] = formatSpan(utc('2019-01-17T22:30:00Z'), utc('2019-01-17T23:30:00Z'), 'Europe/Amsterdam').split(' – ');
    expect(end).toMatch(/2019/);
  });
});
