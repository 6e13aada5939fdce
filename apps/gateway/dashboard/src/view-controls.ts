// The view's controls: meter, time zone, bucket, energy or power, from/to, presets, earlier/later and undo zoom.
// They report what the user asked for as actions; app.ts turns actions into a new state.
import type { MeterBody } from './api';
import { option } from './dom';
import { BUCKETS, fromDateTimeLocal, PRESETS, toDateTimeLocal, type PresetId, type TimeRange } from './ranges';
import type { ViewState } from './url-state';
import type { ViewAction } from './view-state';

/**
 * Every zone the browser knows that the API accepts (once its list is known), UTC first, plus
 * the given ones if the list lacks them.
 */
export function timeZoneList(browserZones: readonly string[], accepted: ReadonlySet<string> | null, ...extra: Array<string | undefined>): string[] {
  const list = ['UTC', ...browserZones.filter((zone) => zone !== 'UTC' && (accepted === null || accepted.has(zone)))];
  for (const zone of extra) if (zone && !list.includes(zone)) list.splice(1, 0, zone);
  return list;
}

export interface ControlElements {
  meter: HTMLSelectElement;
  meterList: HTMLDataListElement;
  tz: HTMLSelectElement;
  bucket: HTMLSelectElement;
  quantity: HTMLSelectElement;
  compare: HTMLSelectElement;
  schedule: HTMLInputElement;
  rangeForm: HTMLFormElement;
  from: HTMLInputElement;
  to: HTMLInputElement;
  presets: HTMLElement;
  earlier: HTMLButtonElement;
  later: HTMLButtonElement;
  zoomOut: HTMLButtonElement;
}

export interface ControlsView {
  state: ViewState;
  range: Partial<TimeRange>;
  preset: PresetId | undefined;
  canShift: boolean;
  canUndoZoom: boolean;
  invalidField?: string | undefined;
}

export function createViewControls(el: ControlElements, onAction: (action: ViewAction) => void) {
  el.bucket.replaceChildren(...BUCKETS.map((bucket) => option(bucket.id, bucket.label)));
  el.presets.replaceChildren(
    ...PRESETS.map((preset) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.preset = preset.id;
      button.textContent = preset.label;
      button.setAttribute('aria-pressed', 'false');
      return button;
    }),
  );
  const browserZones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  let timeZone = 'UTC';
  let acceptedZones: Set<string> | null = null; // the API's zone list, once loaded
  const showTimeZones = (selected: string) => {
    el.tz.replaceChildren(...timeZoneList(browserZones, acceptedZones, selected).map((zone) => option(zone, zone.replaceAll('_', ' '))));
    el.tz.value = selected;
  };

  el.meter.addEventListener('change', () => onAction({ type: 'meter', meter: el.meter.value }));
  el.tz.addEventListener('change', () => onAction({ type: 'tz', tz: el.tz.value }));
  el.bucket.addEventListener('change', () => onAction({ type: 'bucket', bucket: el.bucket.value }));
  el.quantity.addEventListener('change', () => onAction({ type: 'quantity', quantity: el.quantity.value }));
  el.compare.addEventListener('change', () => onAction({ type: 'compare', compare: el.compare.value }));
  el.schedule.addEventListener('change', () => onAction({ type: 'schedule', schedule: el.schedule.value }));
  // Enter takes the hours (its change event) without also submitting the range form around it.
  el.schedule.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    el.schedule.blur();
  });
  el.presets.addEventListener('click', (event) => {
    const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button[data-preset]');
    if (button) onAction({ type: 'preset', preset: button.dataset.preset as PresetId });
  });
  el.earlier.addEventListener('click', () => el.earlier.getAttribute('aria-disabled') !== 'true' && onAction({ type: 'shift', direction: -1 }));
  el.later.addEventListener('click', () => el.later.getAttribute('aria-disabled') !== 'true' && onAction({ type: 'shift', direction: 1 }));
  el.zoomOut.addEventListener('click', () => onAction({ type: 'undo-zoom' }));
  el.rangeForm.addEventListener('submit', (event) => {
    event.preventDefault();
    onAction({ type: 'range', fromMs: fromDateTimeLocal(el.from.value, timeZone), toMs: fromDateTimeLocal(el.to.value, timeZone) });
  });

  return {
    /** Lists the meters (with their unit) and keeps the selection. */
    setMeters(meters: readonly MeterBody[], selected: string | undefined): void {
      const ids = meters.map((meter) => meter.meterId);
      const options = meters.map((meter) => option(meter.meterId, `${meter.meterId} (${meter.unit})`));
      if (selected && !ids.includes(selected)) options.unshift(option(selected, `${selected} (unknown)`));
      el.meter.replaceChildren(...options);
      if (selected) el.meter.value = selected;
      el.meterList.replaceChildren(...ids.map((id) => option(id, id)));
    },

    /** Offers only the zones the API accepts (the browser's zones on its list), keeping the selection. */
    setTimeZones(names: readonly string[]): void {
      acceptedZones = new Set(names);
      showTimeZones(timeZone);
    },

    /** Shows a state: the selected meter, zone, bucket, the range in the inputs, which preset it is, and the field a 400 named. */
    sync({ state, range, preset, canShift, canUndoZoom, invalidField }: ControlsView): void {
      timeZone = state.tz;
      if (el.tz.options.length === 0 || ![...el.tz.options].some((o) => o.value === state.tz)) showTimeZones(state.tz);
      el.tz.value = state.tz;
      if (state.meter && [...el.meter.options].some((o) => o.value === state.meter)) el.meter.value = state.meter;
      if (state.bucket) el.bucket.value = state.bucket;
      el.quantity.value = state.quantity ?? 'energy';
      el.compare.value = state.compare ?? '';
      if (document.activeElement !== el.schedule) el.schedule.value = state.schedule ?? '';
      if (range.fromMs !== undefined) el.from.value = toDateTimeLocal(range.fromMs, state.tz);
      if (range.toMs !== undefined) el.to.value = toDateTimeLocal(range.toMs, state.tz);
      for (const button of el.presets.querySelectorAll<HTMLButtonElement>('button'))
        button.setAttribute('aria-pressed', String(button.dataset.preset === preset));
      el.earlier.setAttribute('aria-disabled', String(!canShift));
      el.later.setAttribute('aria-disabled', String(!canShift));
      el.zoomOut.hidden = !canUndoZoom;
      const fields: Array<[string, HTMLElement]> = [
        ['from', el.from],
        ['to', el.to],
        ['tz', el.tz],
        ['bucket', el.bucket],
        ['quantity', el.quantity],
        ['compare', el.compare],
        ['schedule', el.schedule],
        ['meter', el.meter],
      ];
      for (const [field, input] of fields) {
        if (field === invalidField) input.setAttribute('aria-invalid', 'true');
        else input.removeAttribute('aria-invalid');
      }
    },
  };
}
