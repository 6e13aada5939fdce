// The upload panel: sends a CSV file to POST /api/readings with the chosen policies and shows
// the ingest report (what was written, and every rejected line with its reason). Shown only to a
// caller who may write; with keys the key goes with the upload, so the INGEST_TOKEN field hides.
import { ApiError, errorMessage, uploadCsv, type IngestReportBody } from './api';
import { option, scrollingTable } from './dom';
import { formatCount, formatDateTime } from './format';
import { countList, ingestCounts, paragraph } from './report-counts';
import { CONFLICT_POLICY_LABELS, INGEST_MODE_LABELS } from './upload-options';

export interface UploadElements {
  section: HTMLElement;
  form: HTMLFormElement;
  meter: HTMLInputElement;
  file: HTMLInputElement;
  onConflict: HTMLSelectElement;
  mode: HTMLSelectElement;
  tz: HTMLSelectElement;
  token: HTMLInputElement;
  /** The token's field and hint, hidden when the gateway checks keys (it ignores INGEST_TOKEN then). */
  tokenParts: HTMLElement[];
  submit: HTMLButtonElement;
  report: HTMLElement;
}

export interface UploadHooks {
  viewTimeZone: () => string;
  onUploaded: (report: IngestReportBody) => void;
  onShowMeter: (meterId: string) => void;
  /** A 401 while keys are checked: the stored key no longer works (revoked or expired). */
  onKeyRefused: (error: ApiError) => void;
}

export function createUploadPanel(el: UploadElements, { viewTimeZone, onUploaded, onShowMeter, onKeyRefused }: UploadHooks) {
  let uploading = false;
  let keysChecked = false;
  const options = (labels: Readonly<Record<string, string>>) => Object.entries(labels).map(([value, label]) => option(value, label));
  el.onConflict.replaceChildren(...options(CONFLICT_POLICY_LABELS));
  el.mode.replaceChildren(...options(INGEST_MODE_LABELS));
  el.meter.addEventListener('input', () => {
    el.meter.dataset.edited = 'true';
  });

  function setState(state: 'idle' | 'uploading' | 'done' | 'rejected' | 'error'): void {
    el.report.dataset.state = state;
    el.form.setAttribute('aria-busy', String(state === 'uploading'));
    el.submit.setAttribute('aria-disabled', String(state === 'uploading'));
  }

  function renderReport(report: IngestReportBody): void {
    const heading = document.createElement('h3');
    heading.textContent = report.committed
      ? `Written to ${report.meterId}`
      : `Nothing written to ${report.meterId}: ${formatCount(report.rejected)} ${report.rejected === 1 ? 'row was' : 'rows were'} rejected`;
    const parts: HTMLElement[] = [heading, countList(ingestCounts(report))];
    if (!report.committed)
      parts.push(
        paragraph('Atomic mode writes nothing when any row is refused: fix the lines below, or upload again in partial mode to write the valid rows.'),
      );
    if (report.firstIntervalStart && report.lastIntervalEnd) {
      const zone = viewTimeZone();
      parts.push(
        paragraph(
          `Intervals from ${formatDateTime(Date.parse(report.firstIntervalStart), zone)} to ${formatDateTime(Date.parse(report.lastIntervalEnd), zone)} (${zone}).`,
        ),
      );
    }
    for (const meterId of report.metersCreated ?? []) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = `Show ${meterId}`;
      button.addEventListener('click', () => onShowMeter(meterId));
      const line = paragraph(`New meter ${meterId} created. `);
      line.append(button);
      parts.push(line);
    }
    const errors = report.errors ?? [];
    if (errors.length > 0) parts.push(rejectionsTable(report.rejected, errors));
    el.report.replaceChildren(...parts);
  }

  function rejectionsTable(rejected: number, errors: NonNullable<IngestReportBody['errors']>): HTMLDivElement {
    const unlisted = rejected - errors.length;
    return scrollingTable({
      label: 'Rejected rows',
      className: 'rejections',
      caption: unlisted > 0 ? `Rejected rows (the first ${errors.length}; ${formatCount(unlisted)} more not listed)` : 'Rejected rows',
      columns: ['Line', 'Field', 'Reason'],
      rows: errors.map((error) => [error.line === undefined ? '—' : String(error.line), error.field ?? '', error.reason ?? '']),
    }).wrapper;
  }

  el.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void upload();
  });

  async function upload(): Promise<void> {
    if (uploading) return;
    const file = el.file.files?.[0];
    if (file === undefined) {
      setState('error');
      el.report.replaceChildren(paragraph('Choose a CSV file first.', 'error-text'));
      el.file.focus();
      return;
    }
    uploading = true;
    setState('uploading');
    el.report.replaceChildren(paragraph(`Uploading ${file.name} (${formatCount(file.size)} bytes)…`));
    try {
      const report = await uploadCsv(file, {
        meter: el.meter.value.trim() || undefined,
        on_conflict: el.onConflict.value,
        mode: el.mode.value,
        tz: el.tz.value === 'view' ? viewTimeZone() : undefined,
        token: el.token.value.trim() || undefined,
      });
      setState(report.committed ? 'done' : 'rejected');
      renderReport(report);
      if (report.committed) onUploaded(report);
    } catch (error) {
      setState('error');
      const detail = error instanceof ApiError ? `${error.title}: ${error.message}` : `Upload failed: ${errorMessage(error)}`;
      el.report.replaceChildren(paragraph(detail, 'error-text'));
      if (keysChecked && error instanceof ApiError && error.status === 401) onKeyRefused(error);
      else if (error instanceof ApiError && error.kind === 'unauthorized' && !keysChecked) el.token.focus();
    } finally {
      uploading = false;
    }
  }

  return {
    /** Shows the panel only to a caller who may write; with keys checked, without the INGEST_TOKEN field. */
    setAccess({ canWrite, keysChecked: checked }: { canWrite: boolean; keysChecked: boolean }): void {
      keysChecked = checked;
      el.section.hidden = !canWrite;
      for (const part of el.tokenParts) part.hidden = checked;
      if (checked) el.token.value = '';
    },

    /** Empties the report and the chosen file (another key is about to be used). */
    clear(): void {
      el.file.value = '';
      el.report.replaceChildren();
      setState('idle');
    },

    /** Keeps the meter field and the "view's zone" option in step with the view. */
    sync({ meter, timeZone }: { meter: string | undefined; timeZone: string }): void {
      if (document.activeElement !== el.meter && el.meter.dataset.edited !== 'true') el.meter.value = meter ?? '';
      el.tz.querySelector('option[value="view"]')!.textContent = `The view's zone (${timeZone})`;
    },
  };
}
