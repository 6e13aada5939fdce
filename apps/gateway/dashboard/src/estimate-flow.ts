// Estimating the gaps of the shown range (POST /api/meters/{id}/estimate) in the two steps of
// dry-run-flow.ts: "Estimate gaps…" shows how many missing intervals would get an estimate and how
// many would stay empty; "Confirm estimate" writes them as one upload, which the list then shows
// and which can be reverted. The confirmation writes exactly what was previewed (meter, range,
// method), even if the view moved on in between. Shown only to a caller who may write.
import type { EstimationMethod } from '@meterusage/contracts';
import { estimateGaps, type ApiError, type EstimateReportBody } from './api';
import { option } from './dom';
import { dryRunFlow } from './dry-run-flow';
import { formatCount, formatSpan } from './format';
import { countList, paragraph } from './report-counts';
import { estimateCounts } from './upload-details';

type Suffix<Member, Prefix extends string> = Member extends `${Prefix}${infer Name}` ? Lowercase<Name> : never;
/** linear, profile: the contract's methods (types only), so a new one fails the typecheck until it has a label. */
type MethodName = Suffix<Exclude<keyof typeof EstimationMethod, 'ESTIMATION_METHOD_UNSPECIFIED' | 'UNRECOGNIZED'>, 'ESTIMATION_METHOD_'>;

const METHOD_LABELS: Readonly<Record<MethodName, string>> = {
  linear: 'Linear: a straight line across short gaps',
  profile: 'Profile: the same time in earlier weeks',
};

/** The meter and range shown, whose gaps an estimate fills. */
export interface EstimateTarget {
  meterId: string;
  fromMs: number;
  toMs: number;
  timeZone: string;
}

export interface EstimateElements {
  section: HTMLElement;
  host: HTMLElement;
}

export interface EstimateHooks {
  /** Estimates were written: the view and the uploads are out of date. */
  onEstimated: (report: EstimateReportBody) => void;
  onKeyRefused: (error: ApiError) => void;
}

const sameTarget = (a: EstimateTarget | undefined, b: EstimateTarget | undefined) =>
  a?.meterId === b?.meterId && a?.fromMs === b?.fromMs && a?.toMs === b?.toMs && a?.timeZone === b?.timeZone;

export function createEstimatePanel(el: EstimateElements, { onEstimated, onKeyRefused }: EstimateHooks) {
  let target: EstimateTarget | undefined;
  let canWrite = false;

  /** A fresh flow for the shown target (a preview of another range would mislead). */
  function build(shown: EstimateTarget): void {
    let asked: EstimateTarget & { method: string } = { ...shown, method: 'linear' };
    const field = document.createElement('div');
    field.className = 'field';
    const label = document.createElement('label');
    label.htmlFor = 'estimate-method';
    label.textContent = 'Method';
    const method = document.createElement('select');
    method.id = 'estimate-method';
    method.replaceChildren(...Object.entries(METHOD_LABELS).map(([value, text]) => option(value, text)));
    field.append(label, method);
    const span = () => `${formatSpan(asked.fromMs, asked.toMs, asked.timeZone)} (${asked.timeZone})`;
    const flow = dryRunFlow<EstimateReportBody>(
      {
        name: 'estimate',
        startLabel: 'Estimate gaps…',
        confirmLabel: 'Confirm estimate',
        send: (dryRun) => {
          if (dryRun) asked = { ...shown, method: method.value };
          const instant = (ms: number) => new Date(ms).toISOString();
          return estimateGaps(asked.meterId, { from: instant(asked.fromMs), to: instant(asked.toMs), tz: asked.timeZone, method: asked.method, dryRun });
        },
        preview: (report) => ({
          heading: `What estimating the gaps of ${asked.meterId} would do (${asked.method})`,
          parts: [
            countList(estimateCounts(report)),
            paragraph(
              report.gaps === 0
                ? `${span()}: every interval has a value, so there is nothing to estimate.`
                : `${span()}: ${formatCount(report.gaps)} intervals without a value; ${formatCount(report.estimated)} would get an estimate, ${formatCount(report.leftEmpty)} would stay empty. Nothing has been written yet.`,
            ),
          ],
        }),
        result: (report) => ({
          heading: report.uploadId ? `Gaps of ${asked.meterId} estimated` : `Gaps of ${asked.meterId}: nothing estimated`,
          parts: [
            countList(estimateCounts(report)),
            paragraph(report.uploadId ? `Recorded as upload ${report.uploadId}, which can be reverted.` : `${span()}: no gap could be estimated.`),
          ],
        }),
        onWritten: (report) => {
          if (report.uploadId) onEstimated(report);
        },
        onKeyRefused,
      },
      [field],
    );
    el.host.replaceChildren(flow);
  }

  function showIfAllowed(): void {
    el.section.hidden = !canWrite || target === undefined;
  }

  return {
    /** Whether the caller may write (scope write). */
    setAccess({ canWrite: allowed }: { canWrite: boolean }): void {
      canWrite = allowed;
      showIfAllowed();
    },

    /** Follows the view: another meter, range or zone starts over. Undefined: nothing shown to estimate. */
    sync(shown: EstimateTarget | undefined): void {
      if (!sameTarget(shown, target)) {
        target = shown;
        if (shown === undefined) el.host.replaceChildren();
        else build(shown);
      }
      showIfAllowed();
    },
  };
}
