// The chart's marks for buckets holding estimated or hand-edited values: two more uPlot series
// over the usage line, each a tinted block under the bucket's step with a dashed (estimated) or
// dotted (edited) top in its own colour, so the difference survives colour blindness and greyscale.
// Each series is the bucket's sum where it holds such values and null elsewhere; its legend entry
// reads how many of the bucket's values they are.
import type UPlot from 'uplot';
import { formatCount } from './format';
import type { UsageColumns } from './usage-data';

export interface QualityColors {
  estimated: string;
  estimatedFill: string;
  edited: string;
  editedFill: string;
}

/** A bucket narrower than this (a quarter-hour in a month is under a pixel) is drawn this wide, centred. */
const MIN_MARK_CSS_PX = 3;

/** Each bucket with a value as a block from the baseline to its value; no joins, unlike the usage steps. */
function bucketBlocks(columns: UsageColumns, pxRatio: number): UPlot.Series.PathBuilder {
  return (u, seriesIdx, idx0, idx1) => {
    const stroke = new Path2D();
    const fill = new Path2D();
    const values = u.data[seriesIdx]!;
    const baseline = u.valToPos(0, 'y', true);
    for (let i = idx0; i <= idx1; i++) {
      const value = values[i];
      if (value === null || value === undefined) continue;
      const left = u.valToPos(columns.startSec[i]!, 'x', true);
      const right = u.valToPos(columns.endMs[i]! / 1000, 'x', true);
      const width = Math.max(right - left, MIN_MARK_CSS_PX * pxRatio);
      const start = (left + right - width) / 2;
      const top = u.valToPos(value, 'y', true);
      stroke.moveTo(start, top);
      stroke.lineTo(start + width, top);
      fill.rect(start, top, width, baseline - top);
    }
    return { stroke, fill, clip: undefined, flags: 0 };
  };
}

/** The bucket's sum where count[i] > 0, else null (nothing drawn). */
function markedSums(columns: UsageColumns, count: number[]): Array<number | null> {
  return columns.sums.map((sum, i) => (count[i]! > 0 ? sum : null));
}

/** The two series (estimated, edited) and their data, in the order they follow the usage series. */
export function qualitySeries(columns: UsageColumns, colors: QualityColors, pxRatio: number): { series: UPlot.Series[]; data: Array<Array<number | null>> } {
  const legendValue =
    (count: number[], word: string) =>
    (_u: UPlot, _value: unknown, _si: number, i: number | null): string => {
      if (i === null || i === undefined) return '—';
      return count[i]! > 0 ? `${formatCount(count[i]!)} of ${formatCount(columns.present[i]!)} ${word}` : 'none';
    };
  const common = { spanGaps: false, points: { show: false }, paths: bucketBlocks(columns, pxRatio) };
  return {
    series: [
      {
        ...common,
        label: 'Estimated values',
        stroke: colors.estimated,
        fill: colors.estimatedFill,
        width: 2.5,
        dash: [6, 3],
        value: legendValue(columns.estimated, 'estimated'),
      },
      {
        ...common,
        label: 'Edited values',
        stroke: colors.edited,
        fill: colors.editedFill,
        width: 2.5,
        dash: [2, 2],
        value: legendValue(columns.edited, 'edited'),
      },
    ],
    data: [markedSums(columns, columns.estimated), markedSums(columns, columns.edited)],
  };
}
