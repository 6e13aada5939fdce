/** Why one row (or the file, line 0/1) was rejected: the line, the column and a reason a person can act on. */
export interface RowError {
  line: number;
  field: 'time' | 'meterusage' | 'quality' | 'meter_id' | 'row' | 'header' | 'file';
  reason: string;
}
