// One upload record in full (GET /api/uploads): who sent what, when, with which options, and its
// report; a revert's record also says what it undid, an estimation run's what it estimated.
import type { EstimateReportBody, RevertReportBody, UploadRecordBody } from './api';
import { formatDateTime, formatSpan } from './format';
import { countList, ingestCounts, paragraph, type Counts } from './report-counts';

/** Meters named one by one; a file naming hundreds is summed up after these. */
const METERS_LISTED = 10;

export function revertCounts(report: RevertReportBody): Counts {
  return [
    ['restored', 'Restored', report.restored],
    ['removed', 'Removed', report.removed],
    ['unchanged', 'Unchanged', report.unchanged],
    ['conflicts', 'Conflicts', report.conflicts],
    ['forced', 'Forced', report.forced],
  ];
}

export function estimateCounts(report: EstimateReportBody): Counts {
  return [
    ['gaps', 'Gaps', report.gaps],
    ['estimated', 'Estimated', report.estimated],
    ['leftEmpty', 'Left empty', report.leftEmpty],
  ];
}

function heading(level: 'h3' | 'h4', text: string): HTMLHeadingElement {
  const element = document.createElement(level);
  element.textContent = text;
  return element;
}

/** A <dl> of [label, text] pairs; code values in a <code>. */
function facts(rows: ReadonlyArray<readonly [label: string, text: string, code?: boolean]>): HTMLDListElement {
  const list = document.createElement('dl');
  list.className = 'upload-facts';
  for (const [label, text, code = false] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    if (code) {
      const inner = document.createElement('code');
      inner.textContent = text;
      dd.append(inner);
    } else dd.textContent = text;
    list.append(dt, dd);
  }
  return list;
}

function meterList(meterIds: readonly string[]): string {
  const listed = meterIds.slice(0, METERS_LISTED).join(', ');
  return meterIds.length > METERS_LISTED ? `${listed} and ${meterIds.length - METERS_LISTED} more` : listed;
}

/** The record's heading, facts and reports, times in the view's zone. */
export function uploadDetails(upload: UploadRecordBody, timeZone: string): HTMLElement[] {
  const options = Object.entries(upload.options ?? {})
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  const report = upload.report;
  const rows: Array<readonly [string, string, boolean?]> = [
    ['Committed', `${formatDateTime(Date.parse(upload.committedAt), timeZone)} (${timeZone})`],
    ['Received', formatDateTime(Date.parse(upload.receivedAt), timeZone)],
    ['Source', upload.source],
    ['Caller', upload.caller],
    ['File', upload.fileName ?? '—'],
    ['Meters', meterList(upload.meterIds)],
  ];
  if (report.firstIntervalStart && report.lastIntervalEnd)
    rows.push(['Intervals', formatSpan(Date.parse(report.firstIntervalStart), Date.parse(report.lastIntervalEnd), timeZone)]);
  if (options !== '') rows.push(['Options', options, true]);
  rows.push(['SHA-256', upload.sha256, true]);

  const title = heading('h3', `Upload ${upload.uploadId}`);
  title.tabIndex = -1; // focusable, so choosing an upload can move focus to it
  const parts: HTMLElement[] = [title, facts(rows), heading('h4', 'Report'), countList(ingestCounts(report))];
  if (upload.revert !== undefined) {
    const revert = upload.revert;
    parts.push(heading('h4', `Revert of upload ${revert.revertedUploadId}`), countList(revertCounts(revert)));
  }
  if (upload.estimate !== undefined) {
    const estimate = upload.estimate;
    parts.push(heading('h4', `Estimation of ${estimate.meterId} (${estimate.method})`), countList(estimateCounts(estimate)));
  }
  if (upload.revertible === false) parts.push(paragraph('Recorded before value history was kept: it cannot be reverted.', 'hint'));
  return parts;
}
