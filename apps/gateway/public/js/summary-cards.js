// The summary cards: the server's own figures from /api/summary (exact sums, not client sums).
// Each card's data-value holds the raw number for scripts and tests.
import { formatCount, formatPresence, formatSpan, formatUsage } from './format.js';

/** Fills the cards in `section` from a /api/summary body. */
export function renderSummary(section, body, { timeZone, intervalLabel }) {
  const summary = body.summary ?? {};
  const unit = body.unit ?? '';
  const set = (key, text, value, detail = '') => {
    const card = section.querySelector(`[data-summary="${key}"]`);
    card.querySelector('.card-value').textContent = text;
    card.querySelector('.card-detail').textContent = detail;
    card.dataset.value = value === undefined ? '' : String(value);
  };

  const present = summary.presentCount ?? 0;
  const expected = summary.expectedCount ?? 0;
  const missing = summary.missingCount ?? expected - present;
  set('total', formatUsage(summary.total, unit), summary.total, `${formatCount(present)} ${present === 1 ? 'reading' : 'readings'}`);
  set('mean', formatUsage(summary.mean, unit), summary.mean, intervalLabel);
  const peak = summary.peak;
  if (peak?.usage === undefined) set('peak', '—', undefined, 'no readings');
  else set('peak', formatUsage(peak.usage, unit), peak.usage, formatSpan(Date.parse(peak.start), Date.parse(peak.end), timeZone));
  set('missing', formatCount(missing), missing, `${formatPresence(present, expected)} intervals present`);
  const missingCard = section.querySelector('[data-summary="missing"]');
  missingCard.dataset.present = String(present);
  missingCard.dataset.expected = String(expected);
  missingCard.classList.toggle('has-missing', missing > 0);
}
