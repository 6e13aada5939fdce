// What a user action does to the view's state: pure, so every rule is testable without a page.
import { bucketForRange, formatBound, isPlainDateBound, parseBound, presetRange, shiftRange, type PresetId, type TimeRange } from './ranges';
import type { ViewState } from './url-state';

/** What the user asked for, as the controls, the chart and the upload panel report it. */
export type ViewAction =
  | { type: 'meter'; meter: string; allData?: boolean }
  | { type: 'bucket'; bucket: string }
  | { type: 'quantity'; quantity: string }
  | { type: 'compare'; compare: string }
  | { type: 'schedule'; schedule: string }
  | { type: 'tz'; tz: string }
  | { type: 'preset'; preset: PresetId }
  | { type: 'shift'; direction: -1 | 1 }
  | { type: 'zoom'; fromMs: number; toMs: number }
  | { type: 'range'; fromMs: number | undefined; toMs: number | undefined }
  | { type: 'undo-zoom' };

/**
 * The state after a user action; range changes keep the bucket while it still fits the new range.
 * `resolved` is the range the server resolved for the shown view (undefined before the first
 * answer); `nowMs` places a preset when there is none.
 */
export function nextState(state: ViewState, action: ViewAction, resolved: TimeRange | undefined, nowMs: number): ViewState {
  const withRange = (fromMs: number, toMs: number): ViewState => ({
    ...state,
    from: formatBound(fromMs, state.tz),
    to: formatBound(toMs, state.tz),
    bucket: bucketForRange(state.bucket, toMs - fromMs),
  });
  switch (action.type) {
    case 'meter':
      return action.allData
        ? { meter: action.meter, tz: state.tz, quantity: state.quantity, compare: state.compare, schedule: state.schedule }
        : { ...state, meter: action.meter };
    case 'bucket':
      return { ...state, bucket: action.bucket };
    case 'quantity':
      return { ...state, quantity: action.quantity === 'energy' ? undefined : action.quantity };
    case 'compare':
      return { ...state, compare: action.compare === '' ? undefined : action.compare };
    case 'schedule':
      return { ...state, schedule: action.schedule.trim() === '' ? undefined : action.schedule.trim() };
    case 'tz': {
      // Plain dates stay dates (local midnight in the new zone); instants stay the same instants.
      const move = (bound: string | undefined) => {
        const ms = bound === undefined || isPlainDateBound(bound) ? undefined : parseBound(bound, state.tz);
        return ms === undefined ? bound : formatBound(ms, action.tz);
      };
      return { ...state, tz: action.tz, from: move(state.from), to: move(state.to) };
    }
    case 'preset': {
      if (action.preset === 'all') return { meter: state.meter, tz: state.tz, quantity: state.quantity, compare: state.compare, schedule: state.schedule };
      const range = presetRange(action.preset, resolved ? resolved.toMs - 1 : nowMs, state.tz);
      return withRange(range.fromMs, range.toMs);
    }
    case 'shift': {
      if (resolved === undefined) return state;
      const range = shiftRange(resolved.fromMs, resolved.toMs, action.direction, state.tz);
      return withRange(range.fromMs, range.toMs);
    }
    case 'zoom':
    case 'range':
      if (action.fromMs === undefined || action.toMs === undefined) return state;
      return withRange(action.fromMs, action.toMs);
    default:
      return state;
  }
}
