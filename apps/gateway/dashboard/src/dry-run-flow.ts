// A write shown before it is made: the first button asks the API for a dry run and shows what
// the write would do (nothing is written); only the confirmation sends it, and its result is
// shown in the same place. The revert of an upload and the estimation of gaps work this way.
// Each part carries a generic class (dry-run-*, for the styles) and a named one (`name`-*, e.g.
// revert-confirm, for scripts and tests); data-state says where the flow is.
import { ApiError, errorMessage } from './api';
import { paragraph } from './report-counts';

type FlowState = 'idle' | 'previewing' | 'preview' | 'writing' | 'done' | 'error';

export interface DryRunSteps<Report> {
  /** revert → .revert-flow, .revert-start, .revert-panel, .revert-confirm, .revert-cancel. */
  name: string;
  startLabel: string;
  confirmLabel: string;
  /** The API call; dryRun: answer what it would do and write nothing. */
  send: (dryRun: boolean) => Promise<Report>;
  /** The preview: its heading and what follows it; `again` asks for the dry run anew (an option changed). */
  preview: (report: Report, again: () => void) => { heading: string; parts: HTMLElement[] };
  /** The confirmed write's result. */
  result: (report: Report) => { heading: string; parts: HTMLElement[] };
  /** After the confirmed write. */
  onWritten: (report: Report) => void;
  /** A 401: the stored key no longer works. */
  onKeyRefused: (error: ApiError) => void;
  /** The start button was pressed: options go back to their defaults. */
  onStart?: () => void;
}

function button(text: string, className: string): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = text;
  element.className = className;
  return element;
}

/** The start button (after `controls`, e.g. the options of the write) and the panel below it. */
export function dryRunFlow<Report>(steps: DryRunSteps<Report>, controls: HTMLElement[] = []): HTMLElement {
  const { name } = steps;
  const root = document.createElement('div');
  root.className = `dry-run-flow ${name}-flow`;
  const start = button(steps.startLabel, `dry-run-start ${name}-start`);
  const bar = document.createElement('div');
  bar.className = 'dry-run-bar';
  bar.append(...controls, start);
  const panel = document.createElement('div');
  panel.className = `dry-run-panel ${name}-panel`;
  panel.setAttribute('role', 'status');
  root.append(bar, panel);
  let busy = false;

  function setState(state: FlowState): void {
    root.dataset.state = state;
    busy = state === 'previewing' || state === 'writing';
    root.setAttribute('aria-busy', String(busy));
    start.setAttribute('aria-disabled', String(busy || state === 'preview'));
  }

  /** Shows a heading (focused, so keyboard and screen reader users land on the news) and what follows it. */
  function show(heading: string, parts: HTMLElement[]): void {
    const element = document.createElement('h4');
    element.textContent = heading;
    element.tabIndex = -1;
    panel.replaceChildren(element, ...parts);
    element.focus();
  }

  async function run(dryRun: boolean): Promise<void> {
    if (busy) return;
    setState(dryRun ? 'previewing' : 'writing');
    if (dryRun) panel.replaceChildren(paragraph('Asking what it would do…'));
    else {
      panel.querySelectorAll('button').forEach((control) => control.setAttribute('aria-disabled', 'true'));
      panel.querySelectorAll('input, select').forEach((control) => ((control as HTMLInputElement).disabled = true));
    }
    try {
      const report = await steps.send(dryRun);
      if (dryRun) showPreview(report);
      else {
        setState('done');
        const { heading, parts } = steps.result(report);
        show(heading, parts);
        steps.onWritten(report);
      }
    } catch (error) {
      setState('error');
      const detail = error instanceof ApiError ? `${error.title}: ${error.message}` : `It failed: ${errorMessage(error)}`;
      panel.replaceChildren(paragraph(detail, 'error-text'));
      if (error instanceof ApiError && error.status === 401) steps.onKeyRefused(error);
    }
  }

  function showPreview(report: Report): void {
    setState('preview');
    const { heading, parts } = steps.preview(report, () => void run(true));
    const confirm = button(steps.confirmLabel, `dry-run-confirm ${name}-confirm`);
    confirm.addEventListener('click', () => void run(false));
    const cancel = button('Cancel', `${name}-cancel`);
    cancel.addEventListener('click', () => {
      setState('idle');
      panel.replaceChildren();
      start.focus();
    });
    const actions = document.createElement('div');
    actions.className = 'dry-run-actions';
    actions.append(confirm, cancel);
    show(heading, [...parts, actions]);
  }

  start.addEventListener('click', () => {
    if (start.getAttribute('aria-disabled') === 'true') return;
    steps.onStart?.();
    void run(true);
  });
  setState('idle');
  return root;
}
