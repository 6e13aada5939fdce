/** 2^32, for splitting a 64-bit varint into two 32-bit halves. */
export const TWO_32 = 4_294_967_296;
/** A Date's time value range: beyond it new Date(ms) is invalid (NaN). */
export const MAX_TIME_VALUE_MS = 8.64e15;
