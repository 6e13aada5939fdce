// The key in use, in the page header (only when the gateway checks keys): its name and scopes, and
// "Forget key", which drops it from this tab so another can be entered.
import type { CallerBody } from './api';

export interface CallerBadgeElements {
  root: HTMLElement;
  name: HTMLElement;
  scopes: HTMLElement;
  forget: HTMLButtonElement;
}

export function createCallerBadge(el: CallerBadgeElements, onForget: () => void) {
  el.forget.addEventListener('click', onForget);
  return {
    /** Names the caller's key; hidden without a caller or when no key is needed (AUTH_MODE=off). */
    show(caller: CallerBody | undefined): void {
      const keyed = caller?.authMode === 'keys';
      el.root.hidden = !keyed;
      el.name.textContent = keyed ? caller.name : '';
      el.scopes.textContent = keyed ? `(${caller.scopes.join(', ') || 'no scopes'})` : '';
    },
  };
}
