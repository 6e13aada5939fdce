// Reverting an upload (dry-run-flow.ts): "Revert" shows the API's dry run (restored, removed,
// unchanged, conflicts) and only "Confirm revert" writes. Intervals a later upload changed
// (conflicts) stay unless "force" is ticked, which asks for the dry run again, so the preview
// always shows what the confirmation will do.
import { revertUpload, type ApiError, type RevertReportBody } from './api';
import { scrollingTable } from './dom';
import { dryRunFlow } from './dry-run-flow';
import { formatCount, formatDateTime } from './format';
import { countList, paragraph } from './report-counts';
import { revertCounts } from './upload-details';

/** Conflicts listed in the preview (the API lists the first 100). */
const CONFLICTS_LISTED = 10;

export interface RevertHooks {
  timeZone: string;
  /** A revert was written (the view and the list are out of date). */
  onReverted: (report: RevertReportBody) => void;
  onKeyRefused: (error: ApiError) => void;
}

function conflictTable(report: RevertReportBody, timeZone: string): HTMLElement {
  const listed = report.conflictDetails.slice(0, CONFLICTS_LISTED);
  const total = report.conflicts + report.forced; // one of them is 0: forced counts them when force is on
  return scrollingTable({
    label: 'Conflicting intervals',
    className: 'conflicts',
    caption: total > listed.length ? `Changed since (the first ${listed.length} of ${formatCount(total)})` : 'Changed since',
    columns: ['Meter', `Interval start (${timeZone})`, 'Now from upload'],
    rows: listed.map((conflict) => [conflict.meterId, formatDateTime(Date.parse(conflict.start), timeZone), conflict.currentUploadId ?? '—']),
  }).wrapper;
}

/** The "Revert" button of an upload and, below it, the preview, the confirmation and the result. */
export function revertFlow(uploadId: string, { timeZone, onReverted, onKeyRefused }: RevertHooks): HTMLElement {
  let force = false;

  function forceOption(again: () => void): HTMLElement {
    const label = document.createElement('label');
    label.className = 'checkbox';
    const checkbox = document.createElement('input');
    checkbox.type = 'checkbox';
    checkbox.className = 'revert-force';
    checkbox.checked = force;
    checkbox.addEventListener('change', () => {
      force = checkbox.checked;
      again();
    });
    label.append(checkbox, ' Revert the changed intervals too (force)');
    return label;
  }

  return dryRunFlow<RevertReportBody>({
    name: 'revert',
    startLabel: `Revert upload ${uploadId}…`,
    confirmLabel: 'Confirm revert',
    send: (dryRun) => revertUpload(uploadId, { force, dryRun }),
    preview: (report, again) => {
      const writes = report.restored + report.removed + report.forced;
      const parts: HTMLElement[] = [
        countList(revertCounts(report)),
        paragraph(
          writes === 0
            ? 'Nothing would change: every interval is already as before the upload, or was changed since. Nothing has been written.'
            : `${formatCount(report.restored + report.forced)} intervals would get their previous value back and ${formatCount(report.removed)} would be emptied. Nothing has been written yet.`,
        ),
      ];
      if (report.conflicts + report.forced > 0) {
        parts.push(
          paragraph(
            force
              ? `${formatCount(report.forced)} intervals were changed by a later upload since; forced, they get their value from before upload ${uploadId} too.`
              : `${formatCount(report.conflicts)} intervals were changed by a later upload since and stay as they are, unless forced.`,
          ),
          conflictTable(report, timeZone),
          forceOption(again),
        );
      }
      return { heading: `What reverting upload ${uploadId} would do`, parts };
    },
    result: (report) => ({
      heading: report.uploadId ? `Upload ${uploadId} reverted` : `Upload ${uploadId}: nothing changed`,
      parts: [
        countList(revertCounts(report)),
        paragraph(
          report.uploadId
            ? `Recorded as upload ${report.uploadId}, which can itself be reverted.`
            : 'Every interval was already as before the upload, or was changed since (not forced): nothing was written.',
        ),
      ],
    }),
    onWritten: (report) => {
      if (report.uploadId) onReverted(report);
    },
    onKeyRefused,
    onStart: () => (force = false), // a new start asks without force, whatever the last preview had ticked
  });
}
