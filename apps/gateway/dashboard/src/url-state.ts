// The view's state lives in the URL (?meter=&from=&to=&bucket=&quantity=&compare=&schedule=&tz=), so a link reproduces the
// view and a reload keeps it. Values stay the strings the API takes: a plain date is local
// midnight in tz, anything else an RFC 3339 instant. No from/to means the meter's whole data.
import { browserTimeZone } from './time-zone';

/** The view: each value as the API takes it; absent means the API's default. */
export interface ViewState {
  meter?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  bucket?: string | undefined;
  /** 'power' for average power; absent for energy (the API's default). */
  quantity?: string | undefined;
  /** previous_period or previous_year: the chart and cards also show that period; absent: no comparison. */
  compare?: string | undefined;
  /** Operating hours as the API's schedule parameter ("mon-fri 07:00-19:00"); absent: none. */
  schedule?: string | undefined;
  tz: string;
}

const KEYS = ['meter', 'from', 'to', 'bucket', 'quantity', 'compare', 'schedule', 'tz'] as const;

/** The state a query string names; absent keys are undefined (tz defaults to the browser's zone). */
export function readState(search: string, defaultTimeZone: string = browserTimeZone()): ViewState {
  const params = new URLSearchParams(search);
  const value = (key: (typeof KEYS)[number]) => {
    const text = params.get(key);
    return text === null || text === '' ? undefined : text;
  };
  const quantity = value('quantity');
  return {
    meter: value('meter'),
    from: value('from'),
    to: value('to'),
    bucket: value('bucket'),
    quantity: quantity === 'energy' ? undefined : quantity,
    compare: value('compare'),
    schedule: value('schedule'),
    tz: value('tz') ?? defaultTimeZone,
  };
}

/** The query string of a state, keys always in the same order. */
export function toQueryString(state: ViewState): string {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = state[key];
    if (value !== undefined) params.set(key, value);
  }
  return params.toString();
}

/** Records the state in the address bar without adding a history entry. */
export function writeState(state: ViewState): void {
  const query = toQueryString(state);
  const url = `${window.location.pathname}${query === '' ? '' : `?${query}`}${window.location.hash}`;
  if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`) window.history.replaceState(null, '', url);
}
