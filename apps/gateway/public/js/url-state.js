// The view's state lives in the URL (?meter=&from=&to=&bucket=&tz=), so a link reproduces the
// view and a reload keeps it. Values stay the strings the API takes: a plain date is local
// midnight in tz, anything else an RFC 3339 instant. No from/to means the meter's whole data.

const KEYS = ['meter', 'from', 'to', 'bucket', 'tz'];

/** The browser's IANA zone, the default of tz. */
export function browserTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The state a URL names; absent keys are undefined (tz defaults to the browser's zone). */
export function readState(search = window.location.search) {
  const params = new URLSearchParams(search);
  const state = {};
  for (const key of KEYS) {
    const value = params.get(key);
    state[key] = value === null || value === '' ? undefined : value;
  }
  state.tz ??= browserTimeZone();
  return state;
}

/** The query string of a state, keys always in the same order. */
export function toQueryString(state) {
  const params = new URLSearchParams();
  for (const key of KEYS) if (state[key] !== undefined) params.set(key, state[key]);
  return params.toString();
}

/** Records the state in the address bar without adding a history entry. */
export function writeState(state) {
  const query = toQueryString(state);
  const url = `${window.location.pathname}${query === '' ? '' : `?${query}`}${window.location.hash}`;
  if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`) window.history.replaceState(null, '', url);
}
