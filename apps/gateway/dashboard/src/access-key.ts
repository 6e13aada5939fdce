// The API key the dashboard sends (AUTH_MODE=keys), kept in sessionStorage: it lasts while the tab
// is open, is not shared with other tabs and is gone when the browser closes. It never goes into
// the URL (history, server logs and Referer headers keep URLs) nor localStorage (kept for good).

const STORAGE_KEY = 'meterusage.apiKey';

/** Where the key lives when the browser refuses storage (e.g. cookies blocked): this page only. */
let keyInMemory: string | undefined;

function storage(): Storage | undefined {
  try {
    return window.sessionStorage; // reading it throws a SecurityError where storage is blocked
  } catch {
    return undefined;
  }
}

/** The key to send, if one was entered in this tab. */
export function storedKey(): string | undefined {
  try {
    return storage()?.getItem(STORAGE_KEY) ?? keyInMemory;
  } catch {
    return keyInMemory;
  }
}

export function storeKey(key: string): void {
  keyInMemory = key;
  try {
    storage()?.setItem(STORAGE_KEY, key);
  } catch {
    // Storage full or blocked: the key still works until the page is reloaded.
  }
}

export function forgetKey(): void {
  keyInMemory = undefined;
  try {
    storage()?.removeItem(STORAGE_KEY);
  } catch {
    // Nothing was stored.
  }
}
