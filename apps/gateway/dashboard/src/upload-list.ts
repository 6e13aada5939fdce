// The uploads panel: the shown meter's upload records (GET /api/uploads), newest first, a page at
// a time ("More uploads" follows nextPageToken); choosing one shows its details and report and,
// to a caller who may write, the revert (revert-flow.ts). Its data-state (loading, ready, error)
// and each row's data-upload-id tell scripts and tests what it shows.
import { ApiError, errorMessage, listUploads, type UploadRecordBody } from './api';
import { formatCompactDateTime, formatCount } from './format';
import { paragraph } from './report-counts';
import { revertFlow } from './revert-flow';
import { uploadDetails } from './upload-details';

const PAGE_SIZE = 20;

export interface UploadListElements {
  section: HTMLElement;
  meterName: HTMLElement;
  tbody: HTMLTableSectionElement;
  status: HTMLElement;
  more: HTMLButtonElement;
  details: HTMLElement;
}

export interface UploadListHooks {
  viewTimeZone: () => string;
  /** A revert was written: the view's data changed. */
  onReverted: () => void;
  /** A 401 while keys are checked: the stored key no longer works. */
  onKeyRefused: (error: ApiError) => void;
}

export function createUploadList(el: UploadListElements, { viewTimeZone, onReverted, onKeyRefused }: UploadListHooks) {
  let meterId: string | undefined;
  let uploads: UploadRecordBody[] = [];
  let nextPageToken = '';
  let selectedId: string | undefined;
  let canWrite = false;
  let loadSeq = 0;
  let inFlight: AbortController | undefined;

  function setState(state: 'loading' | 'ready' | 'error', message: string): void {
    el.section.dataset.state = state;
    el.section.setAttribute('aria-busy', String(state === 'loading'));
    el.status.textContent = message;
    el.more.setAttribute('aria-disabled', String(state === 'loading'));
  }

  function row(upload: UploadRecordBody, timeZone: string): HTMLTableRowElement {
    const tr = document.createElement('tr');
    tr.dataset.uploadId = upload.uploadId;
    tr.dataset.source = upload.source;
    const select = document.createElement('button');
    select.type = 'button';
    select.className = 'upload-select';
    select.textContent = upload.uploadId;
    select.setAttribute('aria-label', `Upload ${upload.uploadId}: show its details`);
    select.setAttribute('aria-pressed', String(upload.uploadId === selectedId));
    select.addEventListener('click', () => choose(upload));
    const first = document.createElement('th');
    first.scope = 'row';
    first.append(select);
    const cells = [
      formatCompactDateTime(Date.parse(upload.committedAt), timeZone),
      upload.source,
      upload.caller,
      upload.fileName ?? '—',
      formatCount(upload.report.inserted ?? 0),
      formatCount(upload.report.updated ?? 0),
    ].map((text, index) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (index >= 4) td.className = 'num';
      return td;
    });
    tr.append(first, ...cells);
    return tr;
  }

  function showRows(): void {
    const timeZone = viewTimeZone();
    el.tbody.replaceChildren(...uploads.map((upload) => row(upload, timeZone)));
    el.more.hidden = nextPageToken === '';
  }

  function choose(upload: UploadRecordBody): void {
    selectedId = upload.uploadId;
    for (const button of el.tbody.querySelectorAll<HTMLButtonElement>('.upload-select'))
      button.setAttribute('aria-pressed', String(button.textContent === upload.uploadId));
    const timeZone = viewTimeZone();
    const parts = uploadDetails(upload, timeZone);
    if (upload.revertible !== false) {
      if (canWrite)
        parts.push(
          revertFlow(upload.uploadId, {
            timeZone,
            onReverted: () => {
              refresh();
              onReverted();
            },
            onKeyRefused,
          }),
        );
      else parts.push(paragraph('Reverting needs a key with the write scope.', 'hint'));
    }
    el.details.dataset.uploadId = upload.uploadId;
    el.details.replaceChildren(...parts);
    el.details.hidden = false;
    el.details.querySelector('h3')?.focus(); // keyboard and screen reader users land on what they chose
  }

  /** Loads the first page (replacing the list) or the next one (appending to it). */
  async function load(append: boolean): Promise<void> {
    if (meterId === undefined) return;
    const seq = ++loadSeq;
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    setState('loading', append ? 'Loading older uploads…' : `Loading the uploads of ${meterId}…`);
    try {
      const page = await listUploads(meterId, append ? nextPageToken : '', PAGE_SIZE, { signal: controller.signal });
      if (seq !== loadSeq) return;
      uploads = append ? [...uploads, ...(page.uploads ?? [])] : (page.uploads ?? []);
      nextPageToken = page.nextPageToken ?? '';
      showRows();
      const count = uploads.length;
      setState(
        'ready',
        count === 0
          ? `No uploads of ${meterId} on record.`
          : `${formatCount(count)} ${count === 1 ? 'upload' : 'uploads'} of ${meterId}, newest first${nextPageToken === '' ? '' : '; older ones follow “More uploads”'}.`,
      );
    } catch (error) {
      if (seq !== loadSeq) return;
      const detail = error instanceof ApiError ? `${error.title}: ${error.message}` : errorMessage(error);
      setState('error', `Could not load the uploads. ${detail}`);
      if (error instanceof ApiError && error.status === 401) onKeyRefused(error);
    }
  }

  /** The first page again; the details shown stay (they may hold a revert's result). */
  function refresh(): void {
    void load(false);
  }

  el.more.addEventListener('click', () => {
    if (el.more.getAttribute('aria-disabled') !== 'true') void load(true);
  });

  return {
    /** Shows the uploads of a meter; loads them only when the meter is another than shown. */
    show(nextMeterId: string): void {
      el.section.hidden = false;
      el.meterName.textContent = nextMeterId;
      if (nextMeterId === meterId) return;
      meterId = nextMeterId;
      uploads = [];
      nextPageToken = '';
      selectedId = undefined;
      el.tbody.replaceChildren();
      el.details.replaceChildren();
      el.details.hidden = true;
      delete el.details.dataset.uploadId;
      void load(false);
    },

    refresh,

    /** Whether the caller may revert (scope write). */
    setAccess({ canWrite: allowed }: { canWrite: boolean }): void {
      canWrite = allowed;
    },

    /** Hides the panel and forgets what it showed (another key, or no meter to show). */
    clear(): void {
      ++loadSeq;
      inFlight?.abort();
      meterId = undefined;
      el.section.hidden = true;
      el.tbody.replaceChildren();
      el.details.replaceChildren();
      el.details.hidden = true;
    },
  };
}
