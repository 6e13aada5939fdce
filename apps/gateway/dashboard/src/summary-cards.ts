// The summary cards: the server's own figures from /api/summary (exact sums, not client sums),
// with peak demand and base load for energy meters.
// Each card's data-value holds the raw number for scripts and tests; the total's card also says
// how many of its readings are estimated or edited (data-estimated, data-edited).
import type { UsageSummaryBody } from './api';
import { formatCount, formatPresence, formatQualityCounts, formatSpan, formatUsage } from './format';

/** Fills the cards in `section` from a /api/summary body. */
export function renderSummary(section: HTMLElement, body: UsageSummaryBody, { timeZone, intervalLabel }: { timeZone: string; intervalLabel: string }): void {
  const summary = body.summary ?? {};
  const unit = body.unit ?? '';
  const card = (key: string) => section.querySelector<HTMLElement>(`[data-summary="${key}"]`)!;
  const set = (key: string, text: string, value: number | undefined, detail = '') => {
    card(key).querySelector('.card-value')!.textContent = text;
    card(key).querySelector('.card-detail')!.textContent = detail;
    card(key).dataset.value = value === undefined ? '' : String(value);
  };

  const present = summary.presentCount ?? 0;
  const expected = summary.expectedCount ?? 0;
  const missing = summary.missingCount ?? expected - present;
  const kinds = formatQualityCounts(summary.estimatedCount ?? 0, summary.editedCount ?? 0);
  const readings = `${formatCount(present)} ${present === 1 ? 'reading' : 'readings'}${kinds === '' ? '' : `, ${kinds}`}`;
  const comparison = body.comparison;
  set(
    'total',
    formatUsage(summary.total, unit),
    summary.total,
    comparison === undefined
      ? readings
      : `${readings}; ${formatChange(comparison.differences.total, comparison.differences.totalPercent, unit, comparison.name)}`,
  );
  card('total').dataset.delta = comparison?.differences.total === null || comparison === undefined ? '' : String(comparison.differences.total);
  card('total').dataset.estimated = String(summary.estimatedCount ?? 0);
  card('total').dataset.edited = String(summary.editedCount ?? 0);
  set('mean', formatUsage(summary.mean, unit), summary.mean, intervalLabel);
  const peak = summary.peak;
  if (peak?.usage === undefined) set('peak', '—', undefined, 'no readings');
  else set('peak', formatUsage(peak.usage, unit), peak.usage, formatSpan(Date.parse(peak.start), Date.parse(peak.end), timeZone));
  // Power for energy meters: the cards stay hidden for other units (and without values).
  const demand = summary.peakDemand;
  card('peak-demand').hidden = demand === undefined;
  if (demand !== undefined) {
    const when = formatSpan(Date.parse(demand.start), Date.parse(demand.end), timeZone);
    const change = comparison === undefined ? '' : `; ${formatChange(comparison.differences.peakDemand, null, demand.unit, comparison.name)}`;
    set('peak-demand', formatUsage(demand.value, demand.unit), demand.value, `${when}${change}`);
    card('peak-demand').dataset.delta =
      comparison?.differences.peakDemand === null || comparison === undefined ? '' : String(comparison.differences.peakDemand);
  }
  const base = summary.baseLoad;
  card('base-load').hidden = base === undefined;
  if (base !== undefined) set('base-load', formatUsage(base.value, base.unit), base.value, '10th percentile of interval power');
  const hours = summary.schedule;
  card('outside-hours').hidden = hours === undefined;
  if (hours !== undefined) {
    const share = hours.outsideShare;
    set(
      'outside-hours',
      share === undefined ? '—' : `${(share * 100).toLocaleString('en', { maximumFractionDigits: 1 })} %`,
      share,
      `${formatUsage(hours.outsideTotal, unit)} of ${formatUsage(hours.insideTotal + hours.outsideTotal, unit)} in ${formatCount(hours.outsideCount)} ${hours.outsideCount === 1 ? 'interval' : 'intervals'}`,
    );
  }
  set('missing', formatCount(missing), missing, `${formatPresence(present, expected)} intervals present`);
  const missingCard = card('missing');
  missingCard.dataset.present = String(present);
  missingCard.dataset.expected = String(expected);
  missingCard.classList.toggle('has-missing', missing > 0);
}

/** "+13,840.56 kWh (+7.02 %) on the previous period": a difference from the compared period, or that it has none. */
function formatChange(difference: number | null, percent: number | null, unit: string, name: string): string {
  const against = name === 'previous_year' ? 'the previous year' : 'the previous period';
  if (difference === null) return `nothing to compare in ${against}`;
  const sign = difference > 0 ? '+' : difference < 0 ? '−' : '±';
  const share =
    percent === null ? '' : ` (${percent > 0 ? '+' : percent < 0 ? '−' : '±'}${Math.abs(percent).toLocaleString('en', { maximumFractionDigits: 2 })} %)`;
  return `${sign}${formatUsage(Math.abs(difference), unit)}${share} on ${against}`;
}
