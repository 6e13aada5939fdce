// Dashboard entry: wires the URL state, the controls and the views, and loads /api/summary and
// /api/usage for the selection. Bundled by esbuild (scripts/build-dashboard.ts) into app.js;
// uPlot is loaded before it by a classic script (the global `uPlot`). The page's data-state
// (loading, ready, empty, error, key-needed) and data-loads tell scripts and tests when a view is
// complete. It starts by asking GET /api/caller who it is: a 401 means the gateway wants a key.
// Below the data, the shown meter's uploads (upload-list.ts) can be inspected and reverted, and the
// range's gaps estimated (estimate-flow.ts).
import { forgetKey, storedKey, storeKey } from './access-key';
import {
  ApiError,
  getCaller,
  getMeters,
  getReadings,
  getSummary,
  getTimeZones,
  getUsage,
  type CallerBody,
  type MeterBody,
  type RequestOptions,
  type UsageBody,
  type UsageSummaryBody,
} from './api';
import { createBucketTable } from './bucket-table';
import { createCallerBadge } from './caller-badge';
import { createEstimatePanel } from './estimate-flow';
import { createExportLink } from './export-link';
import { formatCount, formatSpan } from './format';
import { createKeyPrompt } from './key-prompt';
import { createLoadProfileView } from './load-profile-view';
import { createLoadShapeView } from './load-shape-view';
import { autoBucket, bucketInfo, parseBound, presetOf, type TimeRange } from './ranges';
import { createStatusView } from './status-view';
import { renderSummary } from './summary-cards';
import { browserKnowsTimeZone } from './time-zone';
import { createUploadList } from './upload-list';
import { createUploadPanel } from './upload-panel';
import { createUsageChart } from './usage-chart';
import { toUsageColumns } from './usage-data';
import { readState, writeState, type ViewState } from './url-state';
import { createViewControls } from './view-controls';
import { nextState, type ViewAction } from './view-state';

/** A tab shown again after this long reloads the view, so a dashboard left open stays current. */
const STALE_AFTER_MS = 5 * 60_000;

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`index.html has no #${id}`);
  return element as T;
}
function bySelector<T extends HTMLElement>(selectors: string): T {
  const element = document.querySelector<T>(selectors);
  if (element === null) throw new Error(`index.html has no ${selectors}`);
  return element;
}
const main = byId('dashboard');

let state: ViewState = readState(window.location.search);
let caller: CallerBody | undefined; // GET /api/caller's answer; undefined until it came, and while a key is asked for
let meters: MeterBody[] = [];
let timeZonesLoaded = false; // GET /api/time-zones asked (again after a failure)
let resolved: TimeRange | undefined; // the range the server resolved for the shown view
let zoomHistory: ViewState[] = []; // states before each zoom, for "Undo zoom"
let loadSeq = 0;
let inFlight: AbortController | undefined;
let lastLoadedAt = 0;

const status = createStatusView({
  root: main,
  box: byId('status'),
  title: byId('status-title'),
  message: byId('status-message'),
  retry: byId('retry'),
  showAll: byId('show-all'),
  content: [byId('summary'), byId('chart-section'), byId('table-section')],
});

const controls = createViewControls(
  {
    meter: byId('meter'),
    meterList: byId('meter-ids'),
    tz: byId('tz'),
    bucket: byId('bucket'),
    quantity: byId('quantity'),
    compare: byId('compare'),
    schedule: byId('schedule'),
    rangeForm: byId('range-form'),
    from: byId('from'),
    to: byId('to'),
    presets: byId('presets'),
    earlier: byId('earlier'),
    later: byId('later'),
    zoomOut: byId('zoom-out'),
  },
  (action) => apply(action),
);

const chart = createUsageChart(byId('chart'), {
  onZoom: (range) => apply({ type: 'zoom', ...range }),
  onReadout: (text) => {
    byId('chart-readout').textContent = text;
  },
  // One interval: at most two readings asked for, so a meter with longer intervals answers "no reading" rather than the wrong one.
  lookupReading: async (meterId, startMs, endMs, signal) => {
    const readings = (await getReadings(meterId, startMs, endMs, 2, { signal })).readings ?? [];
    return readings.length === 1 ? readings[0] : undefined;
  },
  onProvenanceReadout: (text) => {
    byId('chart-provenance').textContent = text;
  },
});

const profile = createLoadProfileView({
  section: byId('profile-section'),
  chart: byId('profile-chart'),
  caption: byId('profile-caption'),
  tableHost: byId('profile-table-host'),
});

const loadShape = createLoadShapeView({
  section: byId('shape-section'),
  heatmap: byId('heatmap'),
  heatmapCaption: byId('heatmap-caption'),
  duration: byId('duration-chart'),
  durationCaption: byId('duration-caption'),
});

const table = createBucketTable({
  section: byId('table-section'),
  tbody: bySelector('#bucket-table tbody'),
  caption: bySelector('#bucket-table caption'),
  usageHeader: byId('usage-header'),
  prev: byId('page-prev'),
  next: byId('page-next'),
  pageInput: byId('page-number'),
  pageCount: byId('page-count'),
  info: byId('page-info'),
  incompleteOnly: byId('incomplete-only'),
  scroller: bySelector('#table-section .table-scroll'),
});

const upload = createUploadPanel(
  {
    section: byId('upload-section'),
    form: byId('upload-form'),
    meter: byId('upload-meter'),
    file: byId('upload-file'),
    onConflict: byId('upload-on-conflict'),
    mode: byId('upload-mode'),
    tz: byId('upload-tz'),
    token: byId('upload-token'),
    tokenParts: [byId('upload-token-field'), byId('upload-token-hint')],
    submit: byId('upload-submit'),
    report: byId('upload-report'),
  },
  {
    viewTimeZone: () => state.tz,
    onUploaded: () => {
      uploadList.refresh();
      void load({ reloadMeters: true });
    },
    onShowMeter: (meterId) => apply({ type: 'meter', meter: meterId, allData: true }),
    onKeyRefused: (error) => askForKey(error),
  },
);

const uploadList = createUploadList(
  {
    section: byId('uploads-section'),
    meterName: byId('uploads-meter'),
    tbody: bySelector('#uploads-table tbody'),
    status: byId('uploads-status'),
    more: byId('uploads-more'),
    details: byId('upload-details'),
  },
  {
    viewTimeZone: () => state.tz,
    onReverted: () => void load({ reloadMeters: true }),
    onKeyRefused: (error) => askForKey(error),
  },
);

const estimate = createEstimatePanel(
  { section: byId('estimate-section'), host: byId('estimate-host') },
  {
    onEstimated: () => {
      uploadList.refresh();
      void load();
    },
    onKeyRefused: (error) => askForKey(error),
  },
);

const exportLink = createExportLink(byId('download'), {
  view: () => state,
  onError: (error) => (isKeyRefusal(error) ? askForKey(error) : showError(error)),
});

const keyPrompt = createKeyPrompt({ section: byId('key-section'), form: byId('key-form'), input: byId('key-input'), error: byId('key-error') }, (key) => {
  storeKey(key);
  void start();
});

const callerBadge = createCallerBadge({ root: byId('caller'), name: byId('caller-name'), scopes: byId('caller-scopes'), forget: byId('forget-key') }, () =>
  askForKey(),
);

/** A 401: the gateway wants a key and got none, or one it does not accept (unknown, revoked, expired). */
function isKeyRefusal(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 401;
}

/** Asks who the caller is (GET /api/caller), then shows what that caller may see. */
async function start(): Promise<void> {
  const seq = ++loadSeq;
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  status.show('loading', { title: 'Loading…', message: storedKey() === undefined ? 'Asking the gateway for access' : 'Checking the key' });
  let answer: CallerBody;
  try {
    answer = await getCaller({ signal: controller.signal });
  } catch (error) {
    if (seq !== loadSeq) return;
    if (isKeyRefusal(error)) askForKey(error);
    else showError(error);
    return;
  }
  if (seq !== loadSeq) return;
  caller = answer;
  // With AUTH_MODE=off a key means nothing; one left from a gateway that checked keys is dropped, not sent along.
  if (caller.authMode === 'off') forgetKey();
  keyPrompt.hide();
  byId('controls').hidden = false;
  callerBadge.show(caller);
  upload.setAccess({ canWrite: caller.scopes.includes('write'), keysChecked: caller.authMode === 'keys' });
  uploadList.setAccess({ canWrite: caller.scopes.includes('write') });
  estimate.setAccess({ canWrite: caller.scopes.includes('write') });
  meters = [];
  void load({ reloadMeters: true });
}

/**
 * Shows the key prompt instead of the dashboard: at start without a key, when a key was refused
 * (then saying why), and on "Forget key" (no error). The refused or forgotten key leaves the tab.
 */
function askForKey(refusal?: ApiError): void {
  const refusedKey = refusal !== undefined && storedKey() !== undefined;
  forgetKey();
  ++loadSeq; // answers still on their way belong to the old key
  inFlight?.abort();
  dropFirstView(); // so do the early answers of the address bar's view
  caller = undefined;
  meters = [];
  resolved = undefined;
  zoomHistory = [];
  callerBadge.show(undefined);
  upload.clear();
  upload.setAccess({ canWrite: false, keysChecked: true });
  uploadList.clear();
  estimate.setAccess({ canWrite: false });
  estimate.sync(undefined);
  byId('controls').hidden = true;
  chart.clear();
  profile.clear();
  loadShape.clear();
  status.show('key-needed', { kind: 'unauthenticated', title: 'An API key is needed' });
  keyPrompt.show(refusedKey ? `The key was not accepted: ${refusal.message}` : '');
}

function apply(action: ViewAction): void {
  try {
    applyAction(action);
  } catch (error) {
    showError(error); // e.g. a preset in a zone the URL named but the browser does not know
  }
}

function applyAction(action: ViewAction): void {
  if (action.type === 'range' && (action.fromMs === undefined || action.toMs === undefined)) {
    const field = action.fromMs === undefined ? 'from' : 'to';
    showError(new ApiError({ kind: 'invalid', title: 'Invalid selection', message: `${field}: enter a date and a time`, field }));
    return;
  }
  if (action.type === 'undo-zoom') {
    const previous = zoomHistory.pop();
    if (previous === undefined) return;
    state = previous;
  } else {
    if (action.type === 'zoom') zoomHistory.push(state);
    else zoomHistory = [];
    state = nextState(state, action, resolved, Date.now());
  }
  void load();
}

function showError(error: unknown): void {
  profile.clear();
  loadShape.clear();
  const apiError = error instanceof ApiError ? error : undefined;
  const kind = apiError?.kind ?? 'http';
  const message = error instanceof Error ? error.message : String(error);
  status.show('error', {
    kind,
    title: apiError?.title ?? 'Something went wrong',
    message: kind === 'not-found' ? `${message}. Choose a meter from the list.` : message,
    canShowAll: kind === 'invalid' && (state.from !== undefined || state.to !== undefined),
  });
  syncControls(apiError?.field);
}

function syncControls(invalidField?: string): void {
  const explicit = state.from !== undefined || state.to !== undefined;
  // The inputs show the state's own bounds (also when the server refused them), else the resolved ones.
  const known = browserKnowsTimeZone(state.tz);
  controls.sync({
    state,
    range: {
      fromMs: (known ? parseBound(state.from, state.tz) : undefined) ?? resolved?.fromMs,
      toMs: (known ? parseBound(state.to, state.tz) : undefined) ?? resolved?.toMs,
    },
    preset: !explicit ? 'all' : resolved ? presetOf(resolved.fromMs, resolved.toMs, state.tz) : undefined,
    canShift: explicit && resolved !== undefined,
    canUndoZoom: zoomHistory.length > 0,
    invalidField,
  });
  upload.sync({ meter: state.meter, timeZone: state.tz });
  exportLink.sync(state);
}

async function load({ reloadMeters = false } = {}): Promise<void> {
  if (caller === undefined) return start(); // e.g. a control changed before GET /api/caller answered
  const keysChecked = caller.authMode === 'keys';
  const seq = ++loadSeq;
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  const options = { signal: controller.signal };
  writeState(state);
  status.show('loading', { title: 'Loading…', message: `Usage of ${state.meter ?? 'the default meter'}` });
  try {
    if (!browserKnowsTimeZone(state.tz)) {
      throw new ApiError({ kind: 'invalid', title: 'Invalid selection', message: `tz: "${state.tz}" is not a time zone this browser knows`, field: 'tz' });
    }
    // Without keys the meter list and the data are independent: ask for them at once. With keys
    // the list decides which meter to show (loadGrantedData).
    const meterList =
      reloadMeters || meters.length === 0
        ? takeFirstMeters(options).then((body) => {
            meters = body.meters ?? [];
            controls.setMeters(meters, state.meter);
          })
        : undefined;
    // The zone picker offers what the API accepts; without the list it offers the browser's zones.
    if (!timeZonesLoaded) {
      timeZonesLoaded = true;
      getTimeZones().then(
        (body) => controls.setTimeZones(body.timeZones ?? []),
        () => (timeZonesLoaded = false),
      );
    }
    const requested = state;
    let shown: ShownData | undefined;
    if (keysChecked) shown = await loadGrantedData(requested, meterList, options);
    else shown = { view: requested, ...(await Promise.all([loadData(requested, options), meterList]))[0] };
    if (seq !== loadSeq) return;
    if (shown === undefined) {
      showNoMeters();
      return;
    }
    const { view, summary, usage, bucket, notice } = shown;
    state = { ...view, bucket, meter: view.meter ?? summary.meterId };
    writeState(state);
    resolved = summary.from && summary.to ? { fromMs: Date.parse(summary.from), toMs: Date.parse(summary.to) } : undefined;
    lastLoadedAt = Date.now();
    await render(summary, usage, seq, notice);
  } catch (error) {
    if (seq !== loadSeq) return; // superseded by a newer load
    if (isKeyRefusal(error)) askForKey(error);
    else showError(error);
  }
}

interface ShownData {
  /** The view whose data this is: the one asked for, or another meter in its place. */
  view: ViewState;
  summary: UsageSummaryBody;
  usage: UsageBody;
  bucket: string;
  /** Why another meter than the one asked for is shown. */
  notice?: string;
}

/**
 * With keys, the meter must be one the key may read. Any other answers 404 just as a meter that
 * does not exist, so a link from someone with other grants, or the server's default meter, would
 * show only an error: the key's first meter is shown instead, saying so. Undefined when the key
 * has no meter to show.
 */
async function loadGrantedData(view: ViewState, meterList: Promise<void> | undefined, options: RequestOptions): Promise<ShownData | undefined> {
  await meterList;
  const first = meters[0]?.meterId;
  if (first === undefined) return undefined;
  // No meter named: the server's default, which only the server knows; a 404 says the key may not read it.
  if (view.meter === undefined || meters.some((meter) => meter.meterId === view.meter)) {
    try {
      return { view, ...(await loadData(view, options)) };
    } catch (error) {
      if (view.meter !== undefined || !(error instanceof ApiError && error.kind === 'not-found')) throw error;
    }
  }
  const instead = { ...view, meter: first };
  controls.setMeters(meters, first);
  const asked = view.meter === undefined ? 'The default meter' : view.meter;
  return { view: instead, ...(await loadData(instead, options)), notice: `${asked} is not among this key's meters; showing ${first}.` };
}

/** The key may read no meter that exists: say so instead of an error about a missing meter. */
function showNoMeters(): void {
  const name = caller?.name ?? 'in use';
  const grants = caller?.meters ?? [];
  resolved = undefined;
  syncControls();
  chart.clear();
  profile.clear();
  loadShape.clear();
  uploadList.clear();
  estimate.sync(undefined);
  status.show('empty', {
    title: 'No meters to show',
    message:
      grants.length === 0
        ? `The key ${name} is granted no meters: ask an administrator for access.`
        : `None of the meters the key ${name} is granted (${grants.join(', ')}) exists yet.${caller?.scopes.includes('write') ? ' Upload a CSV below to add some.' : ''}`,
  });
}

interface LoadedData {
  summary: UsageSummaryBody;
  usage: UsageBody;
  bucket: string;
}

// The view in the address bar is asked for beside GET /api/caller, not after it: waiting for that
// answer and the controls' first layout cost a round trip and a frame before the data was asked
// (most of a month's time to the drawn chart). Only a head start: the first load takes it when it
// asks for the same view and it succeeded; otherwise it asks again as before.
let firstView: { key: string; controller: AbortController; data: Promise<LoadedData | undefined> } | undefined;
// The meter list is asked for the same way (the first load waits for it too), with a controller of
// its own: a first load of another view drops the early data, not the list it uses.
let firstMeters: { controller: AbortController; list: Promise<{ meters?: MeterBody[] } | undefined> } | undefined;

function askFirstView(view: ViewState): void {
  const controller = new AbortController();
  const data = loadData(view, { signal: controller.signal }).catch(() => undefined);
  firstView = { key: JSON.stringify(view), controller, data };
  const listController = new AbortController();
  firstMeters = { controller: listController, list: getMeters({ signal: listController.signal }).catch(() => undefined) };
}

/**
 * The early meter list (taken once), stopped with the load that took it (signal); a new request
 * when there is none or it failed, which an aborted load's signal refuses at once.
 */
function takeFirstMeters(options: RequestOptions): Promise<{ meters?: MeterBody[] }> {
  const early = firstMeters;
  firstMeters = undefined;
  if (early === undefined) return getMeters(options);
  stopWith(options.signal, early.controller);
  return early.list.then((body) => body ?? getMeters(options));
}

/** Aborts controller when signal aborts (at once when it already has). */
function stopWith(signal: AbortSignal | undefined, controller: AbortController): void {
  if (signal?.aborted) controller.abort();
  else signal?.addEventListener('abort', () => controller.abort(), { once: true });
}

/** Stops the early requests and forgets their answer (asked with a key that is gone). */
function dropFirstView(): void {
  firstView?.controller.abort();
  firstView = undefined;
  firstMeters?.controller.abort();
  firstMeters = undefined;
}

/**
 * The early answer when view is the first view (taken once), from then on stopped with the load
 * that took it (signal); any other view stops the early requests.
 */
function takeFirstView(view: ViewState, signal: AbortSignal | undefined): Promise<LoadedData | undefined> | undefined {
  const early = firstView;
  firstView = undefined;
  if (early === undefined) return undefined;
  if (early.key !== JSON.stringify(view)) {
    early.controller.abort();
    return undefined;
  }
  stopWith(signal, early.controller);
  return early.data;
}

/** /api/summary and /api/usage of a view; picks the bucket first when the view has none. */
async function loadData(view: ViewState, options: RequestOptions): Promise<LoadedData> {
  const early = takeFirstView(view, options.signal);
  const answered = early === undefined ? undefined : await early;
  if (answered !== undefined) return answered;
  if (view.bucket !== undefined) {
    const [summary, usage] = await Promise.all([getSummary(view, options), getUsage(view, options)]);
    return { summary, usage, bucket: view.bucket };
  }
  // The bucket follows the range, which for "all data" only the server knows.
  const summary = await getSummary(view, options);
  const span = summary.from && summary.to ? Date.parse(summary.to) - Date.parse(summary.from) : 0;
  const bucket = autoBucket(span);
  return { summary, usage: await getUsage({ ...view, bucket }, options), bucket };
}

async function render(summary: UsageSummaryBody, usage: UsageBody, seq: number, notice?: string): Promise<void> {
  const meterId = summary.meterId;
  const meter = meters.find((candidate) => candidate.meterId === meterId);
  const where = resolved ? `${formatSpan(resolved.fromMs, resolved.toMs, state.tz)} (${state.tz})` : 'any time';
  const counts = summary.summary ?? {};
  syncControls();
  uploadList.show(meterId); // also without data in the range: its uploads may be why
  estimate.sync(resolved ? { meterId, ...resolved, timeZone: state.tz } : undefined);
  if ((counts.presentCount ?? 0) === 0) {
    const expected = counts.expectedCount ?? 0;
    status.show('empty', {
      title: 'No data in this range',
      message: `${notice ? `${notice} ` : ''}${meterId} has no readings ${resolved ? `from ${where}` : 'yet'}: ${formatCount(expected)} ${expected === 1 ? 'interval' : 'intervals'} expected, none received.`,
      canShowAll: state.from !== undefined || state.to !== undefined,
    });
    chart.clear();
    profile.clear();
    loadShape.clear();
    main.dataset.view = new URLSearchParams(window.location.search).toString();
    return;
  }
  const bucket = bucketInfo(state.bucket);
  const columns = toUsageColumns(usage);
  // Average power is a rate: its axis is the power unit alone, not "per bucket".
  const power = state.quantity === 'power';
  const view = { meterId, timeZone: state.tz, per: power ? '' : bucket.per, bucketLabel: bucket.label, measure: power ? 'Average power' : 'Usage' };
  status.reveal();
  renderSummary(byId('summary'), summary, { timeZone: state.tz, intervalLabel: meter ? `per ${meter.intervalSeconds / 60}-minute interval` : 'per interval' });
  byId('chart-heading').textContent = `${view.measure} ${bucket.per}, ${meterId}`;
  await chart.render(columns, view);
  if (seq !== loadSeq) return;
  performance.mark('dashboard:chart-drawn', { detail: { buckets: columns.length } });
  // The table after the chart: its first page is as much work as drawing the chart, and below it.
  table.render(columns, view);
  status.show('ready', {
    title: '',
    message: `${notice ? `${notice} ` : ''}${meterId}: ${where} · ${formatCount(columns.length)} ${columns.length === 1 ? 'bucket' : 'buckets'} of ${bucket.label.toLowerCase()}`,
  });
  main.dataset.view = new URLSearchParams(window.location.search).toString();
  // The typical day follows, in its own section: the usage view does not wait for it.
  void profile.show(state, { signal: inFlight?.signal });
  void loadShape.show(
    state,
    meter,
    { signal: inFlight?.signal },
    { bucket: state.bucket ?? '', quantity: state.quantity, body: usage },
    resolved ? resolved.toMs - resolved.fromMs : undefined,
  );
}

byId('retry').addEventListener('click', () => void (caller === undefined ? start() : load({ reloadMeters: true })));
byId('show-all').addEventListener('click', () => apply({ type: 'preset', preset: 'all' }));
document.addEventListener('visibilitychange', () => {
  if (caller !== undefined && document.visibilityState === 'visible' && main.dataset.state !== 'loading' && Date.now() - lastLoadedAt > STALE_AFTER_MS)
    void load();
});

/** For the browser console and tests: the chart instance and the current state, read-only. */
Object.defineProperty(window, 'dashboard', {
  value: Object.freeze({
    get chart() {
      return chart.plot;
    },
    get profileChart() {
      return profile.plot;
    },
    get heatmap() {
      return loadShape.heatmap;
    },
    get durationChart() {
      return loadShape.durationChart;
    },
    get state() {
      return { ...state };
    },
  }),
});

askFirstView(state);
void start();
