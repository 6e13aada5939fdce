import { enumNames, ReadingQuality, TimeLabel } from './index';

describe('enumNames', () => {
  it('lists the JSON names of a generated enum in number order, without UNRECOGNIZED', () => {
    expect(enumNames(TimeLabel)).toEqual(['TIME_LABEL_UNSPECIFIED', 'TIME_LABEL_START', 'TIME_LABEL_END']);
    expect(enumNames(ReadingQuality)).toEqual([
      'READING_QUALITY_UNSPECIFIED',
      'READING_QUALITY_MEASURED',
      'READING_QUALITY_MISSING_IN_SOURCE',
      'READING_QUALITY_NOT_RECEIVED',
      'READING_QUALITY_ESTIMATED',
      'READING_QUALITY_EDITED',
    ]);
  });
});
