// Reading the dashboard's period comparison in a test: the compared period's series is the usage
// chart's last (window.dashboard.chart), the differences are on the cards (data-delta).
import type { Page } from 'playwright-core';

// Just enough of the page for the in-page callback (the gateway's tsconfig has no DOM lib).
interface PageElement {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
}
interface PagePlot {
  series: Array<{ label?: string }>;
  data: Array<ArrayLike<number | null>>;
}
declare const document: { querySelector(selectors: string): PageElement | null };
declare const window: { dashboard: { readonly chart: PagePlot | null } };

export interface ShownComparison {
  /** The chart's series, x included: one more with a comparison. */
  seriesCount: number;
  /** The last series' legend label and values. */
  lastLabel: string;
  lastValues: Array<number | null>;
  /** The cards' differences (data-delta; '' when there is none) and the total card's text. */
  totalDelta: string | undefined;
  totalText: string;
  peakDemandDelta: string | undefined;
}

export async function readComparison(page: Page): Promise<ShownComparison> {
  return page.evaluate(() => {
    const chart = window.dashboard.chart;
    if (chart === null) throw new Error('no chart on the page');
    const card = (key: string) => document.querySelector(`[data-summary="${key}"]`)!;
    return {
      seriesCount: chart.series.length,
      lastLabel: chart.series.at(-1)?.label ?? '',
      lastValues: Array.from(chart.data.at(-1)!),
      totalDelta: card('total').dataset.delta,
      totalText: document.querySelector('[data-summary="total"] .card-detail')?.textContent ?? '',
      peakDemandDelta: card('peak-demand').dataset.delta,
    };
  });
}
