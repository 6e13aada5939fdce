// The value domain of a reading's usage, in the meter's unit per interval:
//   - a finite decimal number, not negative (a missing reading is NULL, written NaN or empty);
//   - below 10^12 (a trillion kWh in 15 minutes is far beyond any real meter);
//   - at most 9 decimal places (a milli-watt-hour of a kWh meter has 6),
// so at most 21 significant digits. Every value of the domain converts to float8 without
// overflow or underflow, and a sum of a billion of them stays below 10^21: the reads' float8
// casts cannot fail. Migration 0003 enforces the same rule as a CHECK constraint on
// readings.usage. Values are parsed as decimal text, never through a JS number, so what is
// stored is exactly the value written.

/** Values must be below 10^USAGE_MAX_INTEGER_DIGITS. */
export const USAGE_MAX_INTEGER_DIGITS = 12;
/** Digits allowed after the decimal point (of the value: trailing zeros beyond them are dropped). */
export const USAGE_MAX_DECIMAL_PLACES = 9;

/** A usage field read: the value as decimal text for numeric (null = missing), or why it is refused. */
export type UsageValue = { usage: string | null } | { reason: string };

const MISSING = { usage: null } as const;
// Exponents beyond this many digits are far outside the domain whatever the digits (the mantissa
// is at most a line long, 64 KB); parsing them as numbers would lose nothing that matters.
const MAX_EXPONENT_DIGITS = 9;

/**
 * Reads a (trimmed) usage field: optional '+', digits with an optional '.', an optional
 * exponent. Plain decimals inside the domain are returned as written (their scale kept);
 * anything else inside it is rewritten as the equal plain decimal; anything outside gets a reason.
 */
export function parseUsageValue(raw: string): UsageValue {
  if (isShortPlainDecimal(raw)) return { usage: raw };
  if (raw === '' || (raw.length === 3 && raw.toLowerCase() === 'nan')) return MISSING;
  let at = 0;
  let negative = false;
  const sign = raw.charCodeAt(0);
  if (sign === 43 /* + */ || sign === 45 /* - */) {
    negative = sign === 45;
    at = 1;
  }
  // Mantissa: digits, '.', digits (at least one digit in all).
  const integerFrom = at;
  while (at < raw.length && isDigit(raw.charCodeAt(at))) at += 1;
  const integerDigits = raw.slice(integerFrom, at);
  let fractionDigits = '';
  let hasPoint = false;
  if (raw.charCodeAt(at) === 46 /* . */) {
    hasPoint = true;
    const fractionFrom = (at += 1);
    while (at < raw.length && isDigit(raw.charCodeAt(at))) at += 1;
    fractionDigits = raw.slice(fractionFrom, at);
  }
  if (integerDigits.length + fractionDigits.length === 0) return { reason: notANumber(raw) };
  let exponent = 0;
  const hasExponent = at < raw.length;
  if (at < raw.length && (raw.charCodeAt(at) | 32) === 101 /* e */) {
    at += 1;
    let exponentNegative = false;
    const exponentSign = raw.charCodeAt(at);
    if (exponentSign === 43 || exponentSign === 45) {
      exponentNegative = exponentSign === 45;
      at += 1;
    }
    const exponentFrom = at;
    while (at < raw.length && isDigit(raw.charCodeAt(at))) at += 1;
    if (at === exponentFrom) return { reason: notANumber(raw) };
    const exponentText = raw.slice(exponentFrom, at).replace(/^0+/, '');
    // A huge exponent: the value is 0 or out of range; keep its sign and a magnitude past any bound.
    const magnitude = exponentText.length > MAX_EXPONENT_DIGITS ? 10 ** MAX_EXPONENT_DIGITS : Number(exponentText);
    exponent = exponentNegative ? -magnitude : magnitude;
  }
  if (at !== raw.length) return { reason: notANumber(raw) };

  // The value is 0.D × 10^point, with D the significant digits (no leading or trailing zeros).
  let digits = integerDigits + fractionDigits;
  let point = integerDigits.length + exponent;
  let lead = 0;
  while (lead < digits.length && digits.charCodeAt(lead) === 48) lead += 1;
  // Written plainly with few enough digits: kept as written (numeric keeps its scale, e.g. 12.500).
  const plain = !hasExponent && integerFrom === 0 && fractionDigits.length <= USAGE_MAX_DECIMAL_PLACES && integerDigits.length <= USAGE_MAX_INTEGER_DIGITS + 1;
  const asWritten = hasPoint && fractionDigits === '' ? integerDigits : raw;
  if (lead === digits.length) return { usage: plain ? asWritten : '0' };
  let trail = digits.length;
  while (digits.charCodeAt(trail - 1) === 48) trail -= 1;
  digits = digits.slice(lead, trail);
  point -= lead;

  const shown = clip(raw);
  if (negative) return { reason: `usage ${shown} is negative` };
  if (point > USAGE_MAX_INTEGER_DIGITS) return { reason: `usage ${shown} is too large: values must be below 10^${USAGE_MAX_INTEGER_DIGITS} (1000000000000)` };
  if (digits.length - point > USAGE_MAX_DECIMAL_PLACES) {
    return { reason: `usage ${shown} has more than ${USAGE_MAX_DECIMAL_PLACES} decimal places (the smallest step is 0.000000001)` };
  }
  if (plain) return { usage: asWritten };
  return { usage: plainDecimal(digits, point) };
}

/**
 * The common case without allocating: unsigned digits with at most one '.', at most 12 digits
 * before it and 9 after it, so inside the domain as written (no leading zeros to count either).
 */
function isShortPlainDecimal(raw: string): boolean {
  let integerDigits = 0;
  let fractionDigits = -1;
  for (let at = 0; at < raw.length; at += 1) {
    const code = raw.charCodeAt(at);
    if (isDigit(code)) {
      if (fractionDigits < 0) integerDigits += 1;
      else fractionDigits += 1;
    } else if (code === 46 && fractionDigits < 0) fractionDigits = 0;
    else return false;
  }
  return integerDigits <= USAGE_MAX_INTEGER_DIGITS && fractionDigits <= USAGE_MAX_DECIMAL_PLACES && integerDigits + Math.max(fractionDigits, 0) > 0;
}

/** 0.digits × 10^point as plain decimal text (digits has no leading or trailing zeros). */
function plainDecimal(digits: string, point: number): string {
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function notANumber(raw: string): string {
  const shown = clip(raw);
  const lower = raw.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(lower)) return `usage ${shown} is not a finite number`;
  if (/^[+-]?0x/.test(lower)) return `"${shown}" is not a decimal number (hexadecimal is not accepted)`;
  if (/^[+-]?[\d.]*,[\d.,]*$/.test(raw)) return `"${shown}" is not a number: write decimals with a point (1.5) and no thousands separators`;
  return `"${shown}" is not a number (a missing reading is written NaN or left empty)`;
}

function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
