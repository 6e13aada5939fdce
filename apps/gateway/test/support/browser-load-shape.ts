// Reading the dashboard's load-shape views in a test: the section's data-state says when they are
// drawn; the heatmap's grid and the duration curve's series come from window.dashboard, and the
// heatmap's pixels from its canvas.
import type { Page } from 'playwright-core';

// Just enough of the page for the in-page callbacks (the gateway's tsconfig has no DOM lib).
interface PageElement {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
interface PageGrid {
  dates: string[];
  slotsPerDay: number;
  cells: Array<Array<number | null>>;
  min?: number;
  max?: number;
}
interface PagePlot {
  data: Array<ArrayLike<number | null>>;
}
declare const document: { getElementById(id: string): PageElement | null };
declare const window: { dashboard: { readonly heatmap: PageGrid | undefined; readonly durationChart: PagePlot | null } };
declare const performance: { getEntriesByName(name: string): Array<{ startTime: number }> };

export interface ShownLoadShape {
  state: string | undefined;
  heatmapCaption: string;
  grid: PageGrid | undefined;
  durationShares: Array<number | null>;
  durationValues: Array<number | null>;
}

/** The load-shape section once settled (drawn, empty, too long or failed). */
export async function readLoadShape(page: Page): Promise<ShownLoadShape> {
  await page.waitForFunction(() => ['ready', 'empty', 'too-long', 'error'].includes(document.getElementById('shape-section')?.dataset.state ?? ''));
  return page.evaluate(() => {
    const plot = window.dashboard.durationChart;
    return {
      state: document.getElementById('shape-section')!.dataset.state,
      heatmapCaption: document.getElementById('heatmap-caption')?.textContent ?? '',
      grid: window.dashboard.heatmap,
      durationShares: Array.from(plot?.data[0] ?? []),
      durationValues: Array.from(plot?.data[1] ?? []),
    };
  });
}

/** The heatmap canvas's colour [r, g, b] at the middle of a cell. */
export async function heatmapPixel(page: Page, row: number, slot: number): Promise<number[]> {
  return page.evaluate(
    ([r, s]) => {
      const canvas = document.getElementById('heatmap') as unknown as PageCanvas;
      const grid = window.dashboard.heatmap!;
      const x = Math.floor(((s! + 0.5) * canvas.width) / grid.slotsPerDay);
      const y = Math.floor(((r! + 0.5) * canvas.height) / grid.dates.length);
      return Array.from(canvas.getContext('2d')!.getImageData(x, y, 1, 1).data).slice(0, 3);
    },
    [row, slot],
  );
}

/** Milliseconds from navigation start until the load-shape views were drawn, and from their request until then (the last time). */
export async function shapeTiming(page: Page): Promise<{ drawnMs: number; ownMs: number }> {
  await readLoadShape(page);
  return page.evaluate(() => {
    const at = (name: string) => performance.getEntriesByName(name).at(-1)?.startTime ?? Number.NaN;
    return { drawnMs: at('dashboard:shape-drawn'), ownMs: at('dashboard:shape-drawn') - at('dashboard:shape-requested') };
  });
}
