/**
 * Money and quantity arithmetic: parsing, rounding, storage, display, pro-rata splits.
 *
 * Source: SPEC.md §2. Money is PostgreSQL `NUMERIC(20,8)`; in code it is a {@link Decimal}
 * (a configured bignumber.js clone); over JSON it is a decimal string. A JS `number` never
 * carries a money or quantity value: the only numbers accepted by {@link parseDecimal} are
 * safe integers, which convert exactly.
 *
 * Quantities and KRW amounts keep {@link SCALE} (8) decimals; fees round UP to 8 decimals;
 * display rounds KRW to whole won with thousands separators. Every stored value is strictly
 * below {@link MAX_ABS} (10^12) in absolute value, the 12 integer digits of `NUMERIC(20,8)`.
 *
 * Everything here is pure (no I/O).
 */
import { BigNumber } from 'bignumber.js';
import { AppError, ErrorCode, err, ok } from './errors.js';
import type { Result } from './errors.js';

/**
 * The project's decimal constructor: a private bignumber.js clone, so no other code can change
 * its configuration through the global `BigNumber.config`.
 *
 * - `DECIMAL_PLACES: 20`, `ROUNDING_MODE: ROUND_HALF_UP`: only division is inexact; callers
 *   round explicitly to {@link SCALE} decimals with the helpers below.
 * - `EXPONENTIAL_AT: 1e9`: `toString()` / `toJSON()` never use exponent notation.
 * - `STRICT: true`: the constructor throws on a malformed value instead of returning `NaN`.
 *
 * Use `new Decimal('1.5')`; never `new Decimal(1.5)` (a float). Source: SPEC.md §2.
 */
export const Decimal = BigNumber.clone({
  DECIMAL_PLACES: 20,
  ROUNDING_MODE: BigNumber.ROUND_HALF_UP,
  EXPONENTIAL_AT: 1e9,
  RANGE: [-1e9, 1e9],
  STRICT: true,
});

/** An instance of {@link Decimal} (a bignumber.js instance). Source: SPEC.md §2. */
export type Decimal = InstanceType<typeof Decimal>;

/** Decimals kept for stored quantities and KRW amounts (`NUMERIC(20,8)`). Source: SPEC.md §2. */
export const SCALE = 8;

/** Exclusive bound on the absolute value of a stored amount: 10^12 (`NUMERIC(20,8)`). Source: SPEC.md §2. */
export const MAX_ABS: Decimal = new Decimal('1000000000000');

/** The smallest storable step, 10^-8. */
export const MIN_UNIT: Decimal = new Decimal('0.00000001');

/** Zero, for sums and comparisons. */
export const ZERO: Decimal = new Decimal(0);

/** Longest string {@link parseDecimal} accepts, before trimming. */
export const MAX_INPUT_LENGTH = 64;

/** Options of {@link parseDecimal}. */
export interface ParseDecimalOptions {
  /** Name of the field, used in the message (e.g. `"quantity"`). */
  readonly field: string;
  /** Error code on rejection. Default {@link ErrorCode.INVALID_AMOUNT}. */
  readonly code?: ErrorCode;
  /** Accept zero. Default `false`. */
  readonly allowZero?: boolean;
  /** Accept negative values. Default `false`. */
  readonly allowNegative?: boolean;
  /** Most decimals accepted, an integer 0..{@link SCALE}. Default {@link SCALE}. */
  readonly maxDecimals?: number;
  /** Largest value accepted (inclusive), in addition to the `|value| < 10^12` bound. */
  readonly max?: Decimal;
}

/**
 * Why {@link parseDecimal} rejected an input; found in `error.details.reason`.
 */
export type ParseRejectReason =
  | 'wrong_type'
  | 'unsafe_number'
  | 'too_long'
  | 'empty'
  | 'exponent'
  | 'hex'
  | 'full_width'
  | 'bad_grouping'
  | 'missing_leading_digit'
  | 'missing_fraction_digit'
  | 'not_a_number'
  | 'zero'
  | 'negative'
  | 'too_many_decimals'
  | 'out_of_range'
  | 'above_max';

/** Plain decimal after trimming: optional sign, digits (or correctly grouped digits), optional fraction. */
const PLAIN_RE = /^([+-])?([0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.([0-9]+))?$/;
const EXPONENT_RE = /^[+-]?[0-9.,]*[0-9][eE][+-]?[0-9]+$/;
const HEX_RE = /^[+-]?0[xXbBoO]/;
const FULL_WIDTH_RE = /[\uFF0B\uFF0C\uFF0D\uFF0E\uFF10-\uFF19]/;
const GROUPED_CANDIDATE_RE = /^[+-]?[0-9][0-9,]*(?:\.[0-9]*)?$/;
const DB_RE = /^-?[0-9]+(?:\.[0-9]+)?$/;
const PLAIN_DECIMAL_RE = /^([+-]?)([0-9]+)(\.[0-9]+)?$/;

function assertScale(n: number, what: string, maxAllowed: number): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > maxAllowed) {
    throw new AppError(ErrorCode.INTERNAL, `${what} must be an integer from 0 to ${maxAllowed} (got ${String(n)})`);
  }
}

/** Show a rejected input in a message: quoted and shortened for strings, its type otherwise. */
function show(input: unknown): string {
  if (typeof input === 'string') {
    const short = input.length > 24 ? `${input.slice(0, 24)}…` : input;
    return JSON.stringify(short);
  }
  if (typeof input === 'number' || typeof input === 'bigint') return String(input);
  if (input === null) return 'null';
  return `a value of type ${typeof input}`;
}

function describeRule(field: string, allowZero: boolean, allowNegative: boolean, maxDecimals: number): string {
  const kind = allowNegative
    ? allowZero
      ? 'a number'
      : 'a non-zero number'
    : allowZero
      ? 'zero or a positive number'
      : 'a positive number';
  const digits =
    maxDecimals === 0 ? 'with no decimals' : `with at most ${maxDecimals} decimal${maxDecimals === 1 ? '' : 's'}`;
  return `${field} must be ${kind} ${digits}`;
}

/** The rule of a {@link parseDecimal} call in words, e.g. `quantity must be a positive number with at most 8 decimals`. */
function ruleOf(opts: ParseDecimalOptions): string {
  return describeRule(opts.field, opts.allowZero ?? false, opts.allowNegative ?? false, opts.maxDecimals ?? SCALE);
}

/**
 * The `err` of a rejected decimal. (Module level, not a closure in {@link parseDecimal}:
 * under tsx, a named closure costs ~0.4 µs to create, and parseDecimal runs for every term of
 * every order.)
 */
function reject(input: unknown, opts: ParseDecimalOptions, reason: ParseRejectReason, message: string): Result<Decimal> {
  return err(opts.code ?? ErrorCode.INVALID_AMOUNT, message, {
    field: opts.field,
    reason,
    input: typeof input === 'string' ? input.slice(0, 64) : show(input),
  });
}

/**
 * Parse and validate a decimal from user text or a JSON value.
 *
 * Accepted inputs:
 * - a string (surrounding whitespace trimmed, at most 64 characters before trimming): ASCII
 *   digits, an optional leading `+` or `-`, an optional fraction after `.` with at least one
 *   digit on both sides (`0.5`, not `.5` or `5.`), and optional thousands separators that must
 *   group exactly three digits (`1,000,000`; not `1,00`, `10,00,000` or `0,001`);
 * - a JS `number` only if it is a safe integer (a JSON `100` is fine; `0.1` as a number is
 *   rejected with a request to send a decimal string);
 * - a `bigint`, or an existing {@link Decimal} / bignumber.js instance (re-validated).
 *
 * Rejected: `NaN`, `Infinity`, exponent notation (`1e5`), hex/binary/octal (`0x10`), empty or
 * whitespace-only strings, full-width digits (`１２３`), underscores, inner spaces, more than
 * `maxDecimals` significant decimals (trailing zeros do not count), negatives unless
 * `allowNegative`, zero unless `allowZero` (`-0` counts as zero), `|value| ≥ 10^12`, values above
 * `max`, and strings longer than 64 characters.
 *
 * @returns `ok(value)`, with `-0` normalised to `0`; or `err(code, message, { field, reason, input })`
 *   where `code` defaults to `INVALID_AMOUNT`, `message` is plain English naming the field, e.g.
 *   `quantity must be a positive number with at most 8 decimals (got "abc")`, and `reason` is a
 *   {@link ParseRejectReason}.
 * @throws AppError `INTERNAL` if `opts.maxDecimals` is not an integer 0..8 (a programming error).
 *
 * Source: SPEC.md §2.
 */
export function parseDecimal(input: unknown, opts: ParseDecimalOptions): Result<Decimal> {
  const allowZero = opts.allowZero ?? false;
  const allowNegative = opts.allowNegative ?? false;
  const maxDecimals = opts.maxDecimals ?? SCALE;
  assertScale(maxDecimals, 'maxDecimals', SCALE);
  // The rule and the input are put into words only when the input is rejected: the accepted
  // path (every order's terms, every price read) builds no message.

  let value: Decimal;
  if (typeof input === 'number') {
    if (Number.isNaN(input) || !Number.isFinite(input)) {
      return reject(input, opts, 'not_a_number', `${ruleOf(opts)} (got ${show(input)})`);
    }
    if (!Number.isSafeInteger(input)) {
      return reject(
        input,
        opts,
        'unsafe_number',
        `${ruleOf(opts)}; send it as a decimal string such as "0.1" rather than a JSON number (got ${show(input)})`,
      );
    }
    value = new Decimal(input);
  } else if (typeof input === 'bigint') {
    value = new Decimal(input.toString());
  } else if (Decimal.isBigNumber(input)) {
    if (!input.isFinite()) return reject(input, opts, 'not_a_number', `${ruleOf(opts)} (got ${input.toString()})`);
    value = new Decimal(input);
  } else if (typeof input === 'string') {
    if (input.length > MAX_INPUT_LENGTH) {
      return reject(input, opts, 'too_long', `${ruleOf(opts)}; the text is too long (at most ${MAX_INPUT_LENGTH} characters, got ${show(input)})`);
    }
    const text = input.trim();
    if (text === '') return reject(input, opts, 'empty', `${ruleOf(opts)} (got nothing)`);
    const m = PLAIN_RE.exec(text);
    if (m === null) {
      if (EXPONENT_RE.test(text)) {
        return reject(input, opts, 'exponent', `${ruleOf(opts)}, written out in full without exponent notation like 1e5 (got ${show(input)})`);
      }
      if (HEX_RE.test(text)) return reject(input, opts, 'hex', `${ruleOf(opts)}, written in decimal digits (got ${show(input)})`);
      if (FULL_WIDTH_RE.test(text)) {
        return reject(input, opts, 'full_width', `${ruleOf(opts)}, typed with ordinary digits 0-9 rather than full-width digits (got ${show(input)})`);
      }
      if (/^[+-]?\.[0-9]/.test(text)) {
        return reject(input, opts, 'missing_leading_digit', `${ruleOf(opts)}; write a digit before the decimal point, like 0.5 (got ${show(input)})`);
      }
      if (/^[+-]?[0-9][0-9,]*\.$/.test(text)) {
        return reject(input, opts, 'missing_fraction_digit', `${ruleOf(opts)}; write digits after the decimal point or drop it (got ${show(input)})`);
      }
      if (text.includes(',') && GROUPED_CANDIDATE_RE.test(text)) {
        return reject(input, opts, 'bad_grouping', `${ruleOf(opts)}; thousands separators must group three digits, like 1,000,000 (got ${show(input)})`);
      }
      return reject(input, opts, 'not_a_number', `${ruleOf(opts)} (got ${show(input)})`);
    }
    const sign = m[1] === '-' ? '-' : '';
    const intPart = (m[2] ?? '0').replaceAll(',', '');
    const fracPart = m[3] === undefined ? '' : `.${m[3]}`;
    value = new Decimal(`${sign}${intPart}${fracPart}`);
  } else {
    return reject(input, opts, 'wrong_type', `${ruleOf(opts)} (got ${show(input)})`);
  }

  if (value.isZero()) {
    if (!allowZero) return reject(input, opts, 'zero', `${ruleOf(opts)}; zero is not allowed (got ${show(input)})`);
    return ok(new Decimal(0));
  }
  if (value.isNegative() && !allowNegative) {
    return reject(input, opts, 'negative', `${ruleOf(opts)}; negative values are not allowed (got ${show(input)})`);
  }
  const dp = value.decimalPlaces() ?? 0;
  if (dp > maxDecimals) {
    return reject(input, opts, 'too_many_decimals', `${ruleOf(opts)} (got ${show(input)}, which has ${dp} decimals)`);
  }
  if (value.abs().isGreaterThanOrEqualTo(MAX_ABS)) {
    return reject(input, opts, 'out_of_range', `${ruleOf(opts)}, and less than 1,000,000,000,000 in size (got ${show(input)})`);
  }
  if (opts.max !== undefined && value.isGreaterThan(opts.max)) {
    return reject(input, opts, 'above_max', `${ruleOf(opts)}, and at most ${groupThousands(toJsonString(opts.max))} (got ${show(input)})`);
  }
  return ok(value);
}

/**
 * Parse a share/coin quantity: positive, at most 8 decimals, below 10^12.
 * @returns `Result<Decimal>`; failures carry `INVALID_QUANTITY`. Source: SPEC.md §2.
 */
export function parseQuantity(input: unknown): Result<Decimal> {
  return parseDecimal(input, { field: 'quantity', code: ErrorCode.INVALID_QUANTITY });
}

/**
 * Parse a KRW amount (won): positive, at most 8 decimals, below 10^12.
 * @returns `Result<Decimal>`; failures carry `INVALID_AMOUNT`. Source: SPEC.md §2.
 */
export function parseKrwAmount(input: unknown): Result<Decimal> {
  return parseDecimal(input, { field: 'amount', code: ErrorCode.INVALID_AMOUNT });
}

/**
 * Parse a unit price (in the instrument's currency): positive, at most 8 decimals, below 10^12.
 * @returns `Result<Decimal>`; failures carry `INVALID_PRICE`. Source: SPEC.md §2.
 */
export function parsePrice(input: unknown): Result<Decimal> {
  return parseDecimal(input, { field: 'price', code: ErrorCode.INVALID_PRICE });
}

function assertFinite(x: Decimal, what: string): void {
  if (!x.isFinite()) {
    throw new AppError(ErrorCode.INVALID_AMOUNT, `${what} must be a finite number (got ${x.toString()})`);
  }
}

/**
 * Round to 8 decimals, half away from zero (`ROUND_HALF_UP`): for computed amounts about to
 * be stored (e.g. `quantity × price`). Result is within 0.5 × 10^-8 of `x`.
 * @throws AppError `INVALID_AMOUNT` if `x` is NaN or infinite. Source: SPEC.md §2.
 */
export function roundAmount(x: Decimal): Decimal {
  assertFinite(x, 'amount');
  return x.decimalPlaces(SCALE, Decimal.ROUND_HALF_UP);
}

/**
 * Truncate to 8 decimals (`ROUND_DOWN`, toward zero): for the quantity bought with a KRW
 * amount, so a player never receives more than they paid for. Within 10^-8 of `x` (exclusive).
 * @throws AppError `INVALID_AMOUNT` if `x` is NaN or infinite. Source: SPEC.md §2.
 */
export function roundDown8(x: Decimal): Decimal {
  assertFinite(x, 'quantity');
  return x.decimalPlaces(SCALE, Decimal.ROUND_DOWN);
}

/**
 * `numerator / denominator` truncated (toward zero) to `scale` decimals, computed exactly.
 * Use this rather than `roundDown8(a.div(b))`: `div` first rounds half-up at 20 decimals, which
 * can carry a quotient like `…99999999999999999999997` up by one unit before the truncation.
 * Typical use: quantity bought with a KRW amount, `divDown(amount, price)`, so `q × price ≤ amount`.
 * @param scale integer 0..20, default 8.
 * @throws AppError `INVALID_AMOUNT` if an operand is NaN/infinite or the denominator is zero;
 *   `INTERNAL` if `scale` is out of range. Source: SPEC.md §2.
 */
export function divDown(numerator: Decimal, denominator: Decimal, scale: number = SCALE): Decimal {
  assertScale(scale, 'scale', 20);
  assertFinite(numerator, 'numerator');
  assertFinite(denominator, 'denominator');
  if (denominator.isZero()) {
    throw new AppError(ErrorCode.INVALID_AMOUNT, 'cannot divide by zero');
  }
  const units = new Decimal(numerator).shiftedBy(scale).idiv(denominator);
  return units.isZero() ? new Decimal(0) : units.shiftedBy(-scale);
}

/**
 * The fee on a notional: `notional × rate`, rounded UP (`ROUND_CEIL`) to 8 decimals.
 * Result `fee` satisfies `notional × rate ≤ fee < notional × rate + 10^-8`.
 * @param notional KRW notional, ≥ 0.
 * @param rate fee rate as a fraction (e.g. `0.0015` for 0.15%), ≥ 0.
 * @throws AppError `INVALID_AMOUNT` if either is negative, NaN or infinite. Source: SPEC.md §2.
 */
export function feeFor(notional: Decimal, rate: Decimal): Decimal {
  assertFinite(notional, 'notional');
  assertFinite(rate, 'fee rate');
  if (notional.isNegative() && !notional.isZero()) {
    throw new AppError(ErrorCode.INVALID_AMOUNT, `notional must not be negative (got ${notional.toFixed()})`);
  }
  if (rate.isNegative() && !rate.isZero()) {
    throw new AppError(ErrorCode.INVALID_AMOUNT, `fee rate must not be negative (got ${rate.toFixed()})`);
  }
  const fee = notional.times(rate).decimalPlaces(SCALE, Decimal.ROUND_CEIL);
  return fee.isZero() ? new Decimal(0) : fee;
}

/**
 * Whether `x` can be stored in `NUMERIC(20,8)` as is: finite, at most 8 decimals, `|x| < 10^12`.
 * Source: SPEC.md §2.
 */
export function isStorable(x: Decimal): boolean {
  return x.isFinite() && (x.decimalPlaces() ?? 0) <= SCALE && x.abs().isLessThan(MAX_ABS);
}

/**
 * The `NUMERIC(20,8)` text of `x`, with exactly 8 decimals (e.g. `"100.00000000"`, `"-0.50000000"`).
 * Never rounds: round first with {@link roundAmount} / {@link roundDown8} / {@link feeFor}.
 * @throws AppError `INVALID_AMOUNT` if `x` is NaN/infinite, has more than 8 decimals, or `|x| ≥ 10^12`.
 * Source: SPEC.md §2.
 */
export function toDbString(x: Decimal): string {
  assertFinite(x, 'amount');
  const dp = x.decimalPlaces() ?? 0;
  if (dp > SCALE) {
    throw new AppError(
      ErrorCode.INVALID_AMOUNT,
      `amount ${x.toFixed()} has ${dp} decimals; round it to ${SCALE} before storing`,
      { context: { value: x.toFixed() } },
    );
  }
  if (x.isZero()) return DB_ZERO;
  // A finite non-zero BigNumber's `e` is the exponent of its first digit: |x| ≥ 10^12 ⇔ e ≥ 12.
  if ((x.e ?? 0) >= 12) {
    throw new AppError(ErrorCode.INVALID_AMOUNT, `amount ${x.toFixed()} does not fit NUMERIC(20,8) (|x| < 10^12)`, {
      context: { value: x.toFixed() },
    });
  }
  // Unrounded normal notation (at most 8 decimals, checked above), padded to exactly 8: the
  // same text as toFixed(8) without its rounding pass (this runs ~25 times per settled order).
  const text = x.toFixed();
  const dot = text.indexOf('.');
  return dot < 0 ? `${text}.${EIGHT_ZEROS}` : text + EIGHT_ZEROS.slice(text.length - dot - 1);
}

const EIGHT_ZEROS = '0'.repeat(SCALE);
const DB_ZERO = `0.${EIGHT_ZEROS}`;

/**
 * The JSON text of `x`: a plain decimal string without exponent, trailing zeros trimmed,
 * `-0` shown as `"0"` (e.g. `"100"`, `"0.5"`, `"-12.3"`). Does not round.
 * @throws AppError `INVALID_AMOUNT` if `x` is NaN or infinite. Source: SPEC.md §2.
 */
export function toJsonString(x: Decimal): string {
  assertFinite(x, 'amount');
  return x.isZero() ? '0' : x.toFixed();
}

/**
 * Read a `NUMERIC` value as returned by the PostgreSQL driver (a string such as `"100.00000000"`).
 * @throws AppError `INTERNAL` if the text is not a plain decimal (the database never returns one). Source: SPEC.md §2.
 */
export function fromDb(s: string): Decimal {
  if (!DB_RE.test(s)) {
    throw new AppError(ErrorCode.INTERNAL, `database returned a malformed numeric value: ${show(s)}`, {
      context: { value: s.slice(0, 64) },
    });
  }
  return new Decimal(s);
}

/**
 * Insert `,` thousands separators into the integer part of a plain decimal string
 * (`"-1234567.891"` → `"-1,234,567.891"`). Works on strings of any length without floats;
 * does not round or strip leading zeros. Used by message templates (`{name:,}`).
 * @throws AppError `INVALID_INPUT` if `s` is not `[+-]?digits[.digits]`. Source: SPEC.md §2.
 */
export function groupThousands(s: string): string {
  const m = PLAIN_DECIMAL_RE.exec(s);
  if (m === null) {
    throw new AppError(ErrorCode.INVALID_INPUT, `not a plain decimal string: ${show(s)}`);
  }
  const sign = m[1] ?? '';
  const digits = m[2] ?? '';
  const frac = m[3] ?? '';
  const head = digits.length % 3 === 0 ? 3 : digits.length % 3;
  const parts: string[] = [digits.slice(0, head)];
  for (let i = head; i < digits.length; i += 3) parts.push(digits.slice(i, i + 3));
  return `${sign}${parts.join(',')}${frac}`;
}

/**
 * KRW for display: whole won, rounded half away from zero, with thousands separators and no
 * unit (`1234567.5` → `"1,234,568"`, `-1234.4` → `"-1,234"`, `-0.4` → `"0"`).
 * @throws AppError `INVALID_AMOUNT` if `x` is NaN or infinite. Source: SPEC.md §2.
 */
export function formatKrw(x: Decimal): string {
  return formatDecimal(x, 0);
}

/** Options of {@link formatDecimal}. */
export interface FormatDecimalOptions {
  /** Drop trailing fraction zeros (and a bare `.`): `"0.50000000"` → `"0.5"`. Default `false`. */
  readonly trimTrailingZeros?: boolean;
}

/**
 * `x` rounded half away from zero to `decimals` places, with thousands separators
 * (`formatDecimal(1234.5, 2)` → `"1,234.50"`). A value that rounds to zero shows without sign.
 * @param decimals integer 0..20.
 * @throws AppError `INVALID_AMOUNT` if `x` is NaN/infinite; `INTERNAL` if `decimals` is out of range.
 * Source: SPEC.md §2.
 */
export function formatDecimal(x: Decimal, decimals: number, opts: FormatDecimalOptions = {}): string {
  assertFinite(x, 'amount');
  assertScale(decimals, 'decimals', 20);
  const rounded = x.decimalPlaces(decimals, Decimal.ROUND_HALF_UP);
  let text = rounded.isZero() ? new Decimal(0).toFixed(decimals) : rounded.toFixed(decimals);
  if (opts.trimTrailingZeros === true && text.includes('.')) {
    text = text.replace(/0+$/, '').replace(/\.$/, '');
  }
  return groupThousands(text);
}

/** Result of {@link splitProRata}. */
export interface ProRataSplit {
  /** One share per weight, in order; each ≥ 0 with at most `scale` decimals. */
  readonly shares: Decimal[];
  /** `total − Σ shares`, ≥ 0; less than `count × 10^-scale` unless every weight is zero. */
  readonly remainder: Decimal;
}

/**
 * Split `total` in proportion to `weights`, rounding each share DOWN to `scale` decimals:
 * `share_i = floor(total × w_i / Σw)` at `scale` decimals (computed exactly, no division
 * rounding), `remainder = total − Σ share_i`, so `Σ shares + remainder == total` exactly and
 * `0 ≤ remainder < n × 10^-scale`. Zero weights get zero; with no weights or all-zero weights
 * the whole total is the remainder. Used for dividends: the remainder stays with the issuer
 * (SPEC.md §6).
 * @param scale decimals of each share, integer 0..20, default 8.
 * @throws AppError `INVALID_AMOUNT` if `total` or a weight is negative, NaN or infinite;
 *   `INTERNAL` if `scale` is out of range. Source: SPEC.md §2, §6.
 */
export function splitProRata(total: Decimal, weights: readonly Decimal[], scale: number = SCALE): ProRataSplit {
  assertScale(scale, 'scale', 20);
  assertFinite(total, 'total');
  if (total.isNegative() && !total.isZero()) {
    throw new AppError(ErrorCode.INVALID_AMOUNT, `total to split must not be negative (got ${total.toFixed()})`);
  }
  let weightSum = new Decimal(0);
  for (const [i, w] of weights.entries()) {
    assertFinite(w, `weight ${i}`);
    if (w.isNegative() && !w.isZero()) {
      throw new AppError(ErrorCode.INVALID_AMOUNT, `weight ${i} must not be negative (got ${w.toFixed()})`);
    }
    weightSum = weightSum.plus(w);
  }
  if (weightSum.isZero()) {
    return { shares: weights.map(() => new Decimal(0)), remainder: new Decimal(total) };
  }
  const scaledTotal = new Decimal(total).shiftedBy(scale);
  let allocated = new Decimal(0);
  const shares = weights.map((w) => {
    // idiv truncates the exact quotient: no DECIMAL_PLACES rounding can push a share up.
    const units = scaledTotal.times(w).idiv(weightSum);
    const share = units.isZero() ? new Decimal(0) : units.shiftedBy(-scale);
    allocated = allocated.plus(share);
    return share;
  });
  return { shares, remainder: new Decimal(total).minus(allocated) };
}

/** Exact sum of `xs` (`0` when empty). Source: SPEC.md §2. */
export function sum(xs: Iterable<Decimal>): Decimal {
  let acc = new Decimal(0);
  for (const x of xs) acc = acc.plus(x);
  return acc;
}

/** The smallest of one or more values. */
export function min(first: Decimal, ...rest: readonly Decimal[]): Decimal {
  let best = first;
  for (const x of rest) if (x.isLessThan(best)) best = x;
  return best;
}

/** The largest of one or more values. */
export function max(first: Decimal, ...rest: readonly Decimal[]): Decimal {
  let best = first;
  for (const x of rest) if (x.isGreaterThan(best)) best = x;
  return best;
}
