// Reading the dashboard's typical-day view in a test: its section's data-state says when it is
// drawn, the series come from the uPlot instance (window.dashboard.profileChart), the numbers as
// written from its table.
import type { Page } from 'playwright-core';

// Just enough of the page for the in-page callbacks (the gateway's tsconfig has no DOM lib).
interface PageElement {
  hidden: boolean;
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  querySelectorAll(selectors: string): ArrayLike<PageElement>;
}
interface PagePlot {
  series: Array<{ stroke?: string | ((plot: PagePlot, seriesIndex: number) => string) }>;
  data: Array<ArrayLike<number | null>>;
}
declare const document: { getElementById(id: string): PageElement | null };
declare const window: { dashboard: { readonly profileChart: PagePlot | null } };

export interface ShownProfile {
  state: string | undefined;
  hidden: boolean;
  caption: string;
  hours: Array<number | null>;
  weekday: Array<number | null>;
  weekend: Array<number | null>;
  /** The weekend line's colour as drawn (it follows the colour scheme). */
  weekendStroke: string;
  /** The table's rows: hour, weekday cell, weekend cell. */
  rows: string[][];
}

/** The typical-day view once drawn (or found empty, or failed). */
export async function readProfile(page: Page): Promise<ShownProfile> {
  await page.waitForFunction(() => ['ready', 'empty', 'error'].includes(document.getElementById('profile-section')?.dataset.state ?? ''));
  return page.evaluate(() => {
    const section = document.getElementById('profile-section')!;
    const plot = window.dashboard.profileChart;
    return {
      state: section.dataset.state,
      hidden: section.hidden,
      caption: document.getElementById('profile-caption')?.textContent ?? '',
      hours: Array.from(plot?.data[0] ?? []),
      weekday: Array.from(plot?.data[1] ?? []),
      weekend: Array.from(plot?.data[2] ?? []),
      // uPlot keeps a series' stroke as a function of the plot and the series' index.
      weekendStroke: plot === null ? '' : String(typeof plot.series[2]?.stroke === 'function' ? plot.series[2].stroke(plot, 2) : plot.series[2]?.stroke),
      rows: Array.from(section.querySelectorAll('.profile-table tbody tr')).map((row) =>
        Array.from(row.querySelectorAll('td')).map((cell) => cell.textContent ?? ''),
      ),
    };
  });
}
