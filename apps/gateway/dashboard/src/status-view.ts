// The page's state for people and scripts: loading, ready, empty, error or key-needed (the key
// prompt speaks then, so the status box hides), with a message that says what happened and the
// actions that can help (Retry, Show all data).

export type PageState = 'loading' | 'ready' | 'empty' | 'error' | 'key-needed';

export interface StatusElements {
  root: HTMLElement;
  box: HTMLElement;
  title: HTMLElement;
  message: HTMLElement;
  retry: HTMLButtonElement;
  showAll: HTMLButtonElement;
  content: HTMLElement[];
}

export interface StatusDetails {
  title?: string;
  message?: string;
  kind?: string;
  canShowAll?: boolean;
}

export function createStatusView(el: StatusElements) {
  let loads = 0;
  let retryPressed = false;
  el.retry.addEventListener('click', () => {
    retryPressed = true;
  });

  function show(state: PageState, { title = '', message = '', kind = '', canShowAll = false }: StatusDetails = {}): void {
    el.root.dataset.state = state;
    el.root.setAttribute('aria-busy', String(state === 'loading'));
    el.box.dataset.state = state;
    el.box.dataset.kind = kind;
    el.box.hidden = state === 'key-needed';
    el.title.textContent = title;
    el.message.textContent = message;
    el.retry.hidden = state !== 'error';
    el.showAll.hidden = !canShowAll || (state !== 'empty' && state !== 'error');
    // While loading, earlier results stay (dimmed by CSS) so the page does not jump; otherwise only a ready view shows them.
    if (state !== 'loading') for (const section of el.content) section.hidden = state !== 'ready';
    if (state !== 'loading') el.root.dataset.loads = String(++loads);
    // Retry hides itself while loading, which drops focus; whoever pressed it gets focus back if it fails again.
    if (state === 'error' && retryPressed) el.retry.focus();
    if (state !== 'loading') retryPressed = false;
  }

  /** Unhides the results before they are drawn (a chart needs its width); show('ready') follows. */
  function reveal(): void {
    for (const section of el.content) section.hidden = false;
  }

  return { show, reveal };
}
