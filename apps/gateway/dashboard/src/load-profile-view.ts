// The "typical day" view: GET /api/profile of the shown range, weekdays and weekends, drawn as two
// lines over the 24 local hours (uPlot), with a sentence naming each group's busiest and quietest
// hour and a table of the numbers. Slots without a complete occurrence are gaps, never zeros.
// Its section's data-state (loading, ready, empty, error) tells tests when it is drawn.
import type UPlot from 'uplot';
import { getProfile, type ProfileBody, type ProfileSlotBody, type RequestOptions } from './api';
import { scrollingTable } from './dom';
import { formatUsage } from './format';
import { describeProfile, profileMeans } from './profile-data';
import type { ViewState } from './url-state';

interface ProfileElements {
  section: HTMLElement;
  chart: HTMLElement;
  caption: HTMLElement;
  tableHost: HTMLElement;
}

const GROUPS = [
  { group: 'weekday', label: 'Weekdays (Mon–Fri)' },
  { group: 'weekend', label: 'Weekends (Sat–Sun)' },
] as const;

export function createLoadProfileView(elements: ProfileElements) {
  const { uPlot } = window;
  let plot: UPlot | null = null;
  let shown: { weekday: ProfileBody; weekend: ProfileBody } | undefined;
  let seq = 0;

  const size = () => {
    const width = Math.max(1, elements.chart.clientWidth);
    return { width, height: width < 600 ? 220 : 280 };
  };

  function clear(): void {
    ++seq;
    plot?.destroy();
    plot = null;
    shown = undefined;
    elements.section.hidden = true;
    elements.tableHost.replaceChildren();
    elements.caption.textContent = '';
  }

  function draw(weekday: ProfileBody, weekend: ProfileBody): void {
    plot?.destroy();
    const css = getComputedStyle(document.documentElement);
    const color = (name: string) => css.getPropertyValue(name).trim();
    const hours = weekday.slots.map((slot) => Number(slot.start.slice(0, 2)));
    const unit = weekday.unit;
    const opts: UPlot.Options = {
      ...size(),
      scales: { x: { time: false, range: [0, 23] } },
      axes: [
        {
          stroke: color('--muted'),
          grid: { stroke: color('--chart-grid'), width: 1 },
          ticks: { stroke: color('--chart-grid'), width: 1 },
          values: (_u, ticks) => ticks.map((hour) => `${String(hour).padStart(2, '0')}:00`),
          incrs: [1, 3, 6],
        },
        { stroke: color('--muted'), grid: { stroke: color('--chart-grid'), width: 1 }, ticks: { stroke: color('--chart-grid'), width: 1 }, size: 60 },
      ],
      cursor: { drag: { x: false, y: false } },
      legend: { show: true },
      series: [
        { label: 'Hour', value: (_u, hour) => (hour === null ? '–' : `${String(hour).padStart(2, '0')}:00–${String(hour + 1).padStart(2, '0')}:00`) },
        { label: GROUPS[0].label, stroke: color('--chart-line'), width: 2, value: (_u, value) => formatUsage(value, unit), spanGaps: false },
        {
          label: GROUPS[1].label,
          stroke: color('--chart-weekend'),
          width: 2,
          dash: [6, 4],
          value: (_u, value) => formatUsage(value, unit),
          spanGaps: false,
        },
      ],
    };
    plot = new uPlot(opts, [hours, profileMeans(weekday.slots), profileMeans(weekend.slots)], elements.chart);
  }

  function describe(weekday: ProfileBody, weekend: ProfileBody): void {
    const unit = weekday.unit;
    const parts = GROUPS.map(({ label }, index) => {
      const text = describeProfile([weekday, weekend][index]!.slots, unit);
      return `${label}: ${text ?? 'no complete hour in this range'}.`;
    });
    elements.caption.textContent = `Mean usage per local hour (${weekday.timeZone}) over the days of the range. ${parts.join(' ')}`;
    const cell = (slot: ProfileSlotBody) => (slot.count > 0 ? `${formatUsage(slot.mean, unit)} (${slot.count} d)` : '–');
    const { wrapper } = scrollingTable({
      label: 'Typical day as a table',
      className: 'profile-table',
      caption: `Mean per hour, and the days it is over (d); – where no day had the whole hour`,
      columns: ['Hour', GROUPS[0].label, GROUPS[1].label],
      rows: weekday.slots.map((slot, index) => [`${slot.start}–${slot.end}`, cell(slot), cell(weekend.slots[index]!)]),
    });
    elements.tableHost.replaceChildren(wrapper);
  }

  /** Loads and draws the view's profile; failures show in the section only (the rest of the page stays). */
  async function show(view: ViewState, options: RequestOptions): Promise<void> {
    const mine = ++seq;
    elements.section.hidden = false;
    elements.section.dataset.state = 'loading';
    try {
      const [weekday, weekend] = await Promise.all(GROUPS.map(({ group }) => getProfile(view, group, options)));
      if (mine !== seq) return;
      shown = { weekday: weekday!, weekend: weekend! };
      const anyDay = [...weekday!.slots, ...weekend!.slots].some((slot) => slot.count > 0);
      describe(weekday!, weekend!);
      if (anyDay) draw(weekday!, weekend!);
      else {
        plot?.destroy();
        plot = null;
      }
      elements.section.dataset.state = anyDay ? 'ready' : 'empty';
    } catch (error) {
      if (mine !== seq || (error instanceof DOMException && error.name === 'AbortError')) return;
      plot?.destroy();
      plot = null;
      elements.tableHost.replaceChildren();
      elements.caption.textContent = `The typical day could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
      elements.section.dataset.state = 'error';
    }
  }

  new ResizeObserver(() => {
    if (plot === null) return;
    const next = size();
    if (next.width !== plot.width) plot.setSize(next);
  }).observe(elements.chart);
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (plot !== null && shown !== undefined) draw(shown.weekday, shown.weekend);
  });

  return {
    show,
    clear,
    get plot(): UPlot | null {
      return plot;
    },
  };
}
