import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError, ErrorCode } from './errors.js';
import type { Result } from './errors.js';
import {
  Decimal,
  MAX_ABS,
  MIN_UNIT,
  divDown,
  feeFor,
  formatDecimal,
  formatKrw,
  fromDb,
  groupThousands,
  isStorable,
  max,
  min,
  parseDecimal,
  parseKrwAmount,
  parsePrice,
  parseQuantity,
  roundAmount,
  roundDown8,
  splitProRata,
  sum,
  toDbString,
  toJsonString,
} from './money.js';

const RUNS = { numRuns: 1000 } as const;
const UNITS_LIMIT = 10n ** 20n - 1n; // |x| < 10^12 at 8 decimals

const d = (s: string): Decimal => new Decimal(s);

/** A Decimal with at most 8 decimals, |x| < 10^12. */
function dec8(minUnits: bigint = -UNITS_LIMIT, maxUnits: bigint = UNITS_LIMIT): fc.Arbitrary<Decimal> {
  return fc.bigInt({ min: minUnits, max: maxUnits }).map((u) => d(u.toString()).shiftedBy(-8));
}

/** A Decimal with up to 20 decimals, |x| < 10^12. */
const anyScaleDecimal: fc.Arbitrary<Decimal> = fc
  .tuple(fc.bigInt({ min: -(10n ** 32n) + 1n, max: 10n ** 32n - 1n }), fc.integer({ min: 0, max: 20 }))
  .map(([u, s]) => d(u.toString()).shiftedBy(-s))
  .filter((x) => x.abs().isLessThan(MAX_ABS));

function value(r: Result<Decimal>): Decimal {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

function failure(r: Result<Decimal>): { code: string; message: string; reason: unknown } {
  if (r.ok) throw new Error(`expected a rejection, got ${r.value.toFixed()}`);
  return { code: r.error.code, message: r.error.message, reason: r.error.details?.['reason'] };
}

/** Reference grouping, independent of the implementation (regex based). */
function refGroup(s: string): string {
  const m = /^([+-]?)(\d+)(\.\d+)?$/.exec(s);
  if (m === null) throw new Error('bad reference input');
  return `${m[1] ?? ''}${(m[2] ?? '').replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}`;
}

describe('GIVEN the Decimal constructor', () => {
  it('THEN toString never uses exponent notation', () => {
    expect(d('1e-30').toString()).toBe('0.000000000000000000000000000001');
    expect(d('1e25').toString()).toBe('10000000000000000000000000');
  });
  it('THEN it is configured for half-up rounding at 20 division decimals', () => {
    expect(Decimal.config({}).ROUNDING_MODE).toBe(Decimal.ROUND_HALF_UP);
    expect(Decimal.config({}).DECIMAL_PLACES).toBe(20);
  });
});

describe('GIVEN parseDecimal with valid input', () => {
  const field = 'amount';
  it.each([
    ['100', '100'],
    ['  42  ', '42'],
    ['+5', '5'],
    ['1,000', '1000'],
    ['1,000,000.5', '1000000.5'],
    ['0.00000001', '0.00000001'],
    ['999999999999.99999999', '999999999999.99999999'],
    ['100.000000000', '100'],
    ['007', '7'],
  ])('THEN the string %j parses to %s', (input, expected) => {
    expect(toJsonString(value(parseDecimal(input, { field })))).toBe(expected);
  });
  it('THEN a safe-integer JSON number parses exactly', () => {
    expect(toJsonString(value(parseDecimal(100, { field })))).toBe('100');
    expect(toJsonString(value(parseDecimal(999_999_999_999, { field })))).toBe('999999999999');
  });
  it('THEN a bigint and an existing Decimal are accepted', () => {
    expect(toJsonString(value(parseDecimal(12n, { field })))).toBe('12');
    expect(toJsonString(value(parseDecimal(d('1.5'), { field })))).toBe('1.5');
  });
  it('THEN zero is accepted with allowZero and -0 is normalised', () => {
    const z = value(parseDecimal('-0', { field, allowZero: true }));
    expect(z.isZero()).toBe(true);
    expect(z.isNegative()).toBe(false);
  });
  it('THEN negatives are accepted with allowNegative', () => {
    expect(toJsonString(value(parseDecimal('-1,234.5', { field, allowNegative: true })))).toBe('-1234.5');
  });
  it('THEN max is inclusive', () => {
    expect(value(parseDecimal('1000', { field, max: d('1000') })).isEqualTo(1000)).toBe(true);
  });
  it('THEN maxDecimals 0 accepts whole numbers only', () => {
    expect(parseDecimal('5', { field, maxDecimals: 0 }).ok).toBe(true);
    expect(failure(parseDecimal('5.5', { field, maxDecimals: 0 })).reason).toBe('too_many_decimals');
  });
});

describe('GIVEN parseDecimal with invalid input', () => {
  const tooLong = '1'.repeat(65);
  const cases: [string, unknown, string][] = [
    ['NaN number', Number.NaN, 'not_a_number'],
    ['Infinity number', Number.POSITIVE_INFINITY, 'not_a_number'],
    ['-Infinity number', Number.NEGATIVE_INFINITY, 'not_a_number'],
    ['"NaN" string', 'NaN', 'not_a_number'],
    ['"Infinity" string', 'Infinity', 'not_a_number'],
    ['"-Infinity" string', '-Infinity', 'not_a_number'],
    ['exponent 1e5', '1e5', 'exponent'],
    ['exponent 1.5E-3', '1.5E-3', 'exponent'],
    ['hex 0x10', '0x10', 'hex'],
    ['binary 0b1', '0b1', 'hex'],
    ['empty', '', 'empty'],
    ['whitespace only', '   ', 'empty'],
    ['negative', '-1', 'negative'],
    ['zero', '0', 'zero'],
    ['zero with decimals', '0.00000000', 'zero'],
    ['negative zero', '-0', 'zero'],
    ['nine decimals', '1.123456789', 'too_many_decimals'],
    ['10^12', '1000000000000', 'out_of_range'],
    ['10^12 grouped', '1,000,000,000,000', 'out_of_range'],
    ['full-width digits', '１２３', 'full_width'],
    ['0.1 as a JSON number', 0.1, 'unsafe_number'],
    ['unsafe integer number', 2 ** 53, 'unsafe_number'],
    ['65 characters', tooLong, 'too_long'],
    ['bad grouping 1,00', '1,00', 'bad_grouping'],
    ['bad grouping 1,0000', '1,0000', 'bad_grouping'],
    ['bad grouping 10,00,000', '10,00,000', 'bad_grouping'],
    ['bad grouping 0,001', '0,001', 'bad_grouping'],
    ['SQL-ish', '1; DROP TABLE orders', 'not_a_number'],
    ['leading dot', '.5', 'missing_leading_digit'],
    ['trailing dot', '5.', 'missing_fraction_digit'],
    ['underscore separator', '1_000', 'not_a_number'],
    ['inner space', '1 000', 'not_a_number'],
    ['double sign', '+-1', 'not_a_number'],
    ['letters', 'abc', 'not_a_number'],
    ['null', null, 'wrong_type'],
    ['undefined', undefined, 'wrong_type'],
    ['boolean', true, 'wrong_type'],
    ['object', { amount: '1' }, 'wrong_type'],
  ];
  it.each(cases)('THEN %s is rejected', (_name, input, reason) => {
    const f = failure(parseDecimal(input, { field: 'amount' }));
    expect(f.reason).toBe(reason);
    expect(f.code).toBe(ErrorCode.INVALID_AMOUNT);
    expect(f.message.startsWith('amount must be a positive number with at most 8 decimals')).toBe(true);
  });
  it('THEN the message names the field and echoes the input', () => {
    expect(failure(parseQuantity('abc')).message).toBe(
      'quantity must be a positive number with at most 8 decimals (got "abc")',
    );
    expect(failure(parseKrwAmount(0.1)).message).toContain('decimal string');
  });
  it('THEN a long input is echoed shortened', () => {
    const f = failure(parseDecimal('9'.repeat(64), { field: 'amount' }));
    expect(f.reason).toBe('out_of_range');
    expect(f.message).toContain('…');
  });
  it('THEN a value above max is rejected', () => {
    const f = failure(parseDecimal('1000.00000001', { field: 'amount', max: d('1000') }));
    expect(f.reason).toBe('above_max');
    expect(f.message).toContain('at most 1,000');
  });
  it('THEN a NaN Decimal is rejected', () => {
    expect(failure(parseDecimal(new Decimal(Number.NaN), { field: 'amount' })).reason).toBe('not_a_number');
  });
  it('THEN the code option is used', () => {
    expect(failure(parseDecimal('x', { field: 'rate', code: ErrorCode.INVALID_INPUT })).code).toBe(
      ErrorCode.INVALID_INPUT,
    );
  });
  it('THEN an invalid maxDecimals is a programming error', () => {
    expect(() => parseDecimal('1', { field: 'amount', maxDecimals: 9 })).toThrow(AppError);
  });
  it('THEN any input whatsoever yields a Result and never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), fc.double()), (input) => {
        const r = parseDecimal(input, { field: 'amount', allowZero: true, allowNegative: true });
        if (r.ok) expect(isStorable(r.value)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('GIVEN the convenience parsers', () => {
  it('THEN each uses its field and error code', () => {
    expect(failure(parseQuantity('-1')).code).toBe(ErrorCode.INVALID_QUANTITY);
    expect(failure(parseKrwAmount('-1')).code).toBe(ErrorCode.INVALID_AMOUNT);
    expect(failure(parsePrice('0')).code).toBe(ErrorCode.INVALID_PRICE);
    expect(failure(parsePrice('0')).message.startsWith('price must be')).toBe(true);
    expect(value(parseQuantity('0.5')).isEqualTo('0.5')).toBe(true);
  });
});

describe('GIVEN any value with at most 8 decimals below 10^12', () => {
  it('THEN parseDecimal(toJsonString(x)) == x', () => {
    fc.assert(
      fc.property(dec8(), (x) => {
        const s = toJsonString(x);
        expect(s).toMatch(/^-?(0|[1-9]\d*)(\.\d*[1-9])?$/);
        const back = value(parseDecimal(s, { field: 'x', allowZero: true, allowNegative: true }));
        expect(back.isEqualTo(x)).toBe(true);
      }),
      RUNS,
    );
  });
  it('THEN the grouped display form parses back to x', () => {
    fc.assert(
      fc.property(dec8(), (x) => {
        const back = value(parseDecimal(groupThousands(toJsonString(x)), { field: 'x', allowZero: true, allowNegative: true }));
        expect(back.isEqualTo(x)).toBe(true);
      }),
      RUNS,
    );
  });
  it('THEN fromDb(toDbString(x)) == x and the text is NUMERIC(20,8)', () => {
    fc.assert(
      fc.property(dec8(), (x) => {
        const s = toDbString(x);
        expect(s).toMatch(/^-?\d{1,12}\.\d{8}$/);
        expect(fromDb(s).isEqualTo(x)).toBe(true);
        expect(s).toBe(x.isZero() ? '0.00000000' : x.toFixed(8)); // the padding is toFixed(8)'s text
      }),
      RUNS,
    );
  });
});

describe('GIVEN toDbString / toJsonString / fromDb edge cases', () => {
  it('THEN values are padded to 8 decimals', () => {
    expect(toDbString(d('100'))).toBe('100.00000000');
    expect(toDbString(d('-0.5'))).toBe('-0.50000000');
    expect(toDbString(d('-0'))).toBe('0.00000000');
    expect(toDbString(d('0.00000001'))).toBe('0.00000001');
    expect(toDbString(d('-0.0000001'))).toBe('-0.00000010');
    expect(toDbString(d('999999999999.99999999'))).toBe('999999999999.99999999');
    expect(toDbString(d('1e-8'))).toBe('0.00000001');
    expect(toDbString(d('12e10'))).toBe('120000000000.00000000');
  });
  it('THEN out-of-range or over-precise values throw instead of rounding', () => {
    expect(() => toDbString(d('1000000000000'))).toThrow(AppError);
    expect(() => toDbString(d('-1000000000000'))).toThrow(AppError);
    expect(() => toDbString(d('1.123456789'))).toThrow(AppError);
    expect(() => toDbString(new Decimal(Number.NaN))).toThrow(AppError);
    expect(() => toDbString(new Decimal(Number.POSITIVE_INFINITY))).toThrow(AppError);
  });
  it('THEN toJsonString trims zeros and never shows exponents', () => {
    expect(toJsonString(d('100.00000000'))).toBe('100');
    expect(toJsonString(d('0.50000000'))).toBe('0.5');
    expect(toJsonString(d('1e-8'))).toBe('0.00000001');
    expect(toJsonString(d('-0'))).toBe('0');
    expect(() => toJsonString(new Decimal(Number.NaN))).toThrow(AppError);
  });
  it('THEN fromDb rejects malformed text', () => {
    expect(fromDb('100.00000000').isEqualTo(100)).toBe(true);
    for (const bad of ['', 'abc', '1e5', 'NaN', ' 1', '1,000']) expect(() => fromDb(bad)).toThrow(AppError);
  });
  it('THEN isStorable matches toDbString', () => {
    expect(isStorable(d('999999999999.99999999'))).toBe(true);
    expect(isStorable(d('1000000000000'))).toBe(false);
    expect(isStorable(d('0.000000001'))).toBe(false);
  });
});

describe('GIVEN rounding helpers', () => {
  it('THEN roundAmount is idempotent, has ≤ 8 decimals and moves by at most 0.5e-8', () => {
    fc.assert(
      fc.property(anyScaleDecimal, (x) => {
        const r = roundAmount(x);
        expect(r.decimalPlaces()).toBeLessThanOrEqual(8);
        expect(roundAmount(r).isEqualTo(r)).toBe(true);
        expect(r.minus(x).abs().isLessThanOrEqualTo('0.000000005')).toBe(true);
      }),
      RUNS,
    );
  });
  it('THEN roundDown8 is idempotent, truncates toward zero and moves by less than 1e-8', () => {
    fc.assert(
      fc.property(anyScaleDecimal, (x) => {
        const r = roundDown8(x);
        expect(r.decimalPlaces()).toBeLessThanOrEqual(8);
        expect(roundDown8(r).isEqualTo(r)).toBe(true);
        expect(r.abs().isLessThanOrEqualTo(x.abs())).toBe(true);
        expect(x.minus(r).abs().isLessThan(MIN_UNIT)).toBe(true);
      }),
      RUNS,
    );
  });
  it('THEN half rounds away from zero and down truncates', () => {
    expect(roundAmount(d('0.000000005')).toFixed()).toBe('0.00000001');
    expect(roundAmount(d('0.0000000049')).toFixed()).toBe('0');
    expect(roundDown8(d('0.999999999')).toFixed()).toBe('0.99999999');
    expect(roundDown8(d('-0.999999999')).toFixed()).toBe('-0.99999999');
  });
});

describe('GIVEN divDown', () => {
  it('THEN q × b ≤ a < (q + 1e-8) × b for positive operands', () => {
    fc.assert(
      fc.property(dec8(0n, UNITS_LIMIT), dec8(1n, UNITS_LIMIT), (a, b) => {
        const q = divDown(a, b);
        expect(q.decimalPlaces()).toBeLessThanOrEqual(8);
        expect(q.times(b).isLessThanOrEqualTo(a)).toBe(true);
        expect(q.plus(MIN_UNIT).times(b).isGreaterThan(a)).toBe(true);
      }),
      RUNS,
    );
  });
  it('THEN it does not overshoot where div-then-truncate would', () => {
    // 1 / 3 exactly at 8 decimals, and a quotient whose 9th–20th digits are all 9.
    expect(divDown(d('1'), d('3')).toFixed()).toBe('0.33333333');
    const b = d('1.000000000000000000004'); // 1 / b = 0.999999999999999999996…
    expect(roundDown8(d('1').div(b)).toFixed()).toBe('1');
    expect(divDown(d('1'), b).toFixed()).toBe('0.99999999');
  });
  it('THEN dividing by zero throws', () => {
    expect(() => divDown(d('1'), d('0'))).toThrow(AppError);
  });
});

describe('GIVEN feeFor', () => {
  const rate = fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 10n }), fc.integer({ min: 0, max: 10 }))
    .map(([u, s]) => d(u.toString()).shiftedBy(-s - 4)); // 0 .. 10^6 × 10^-4 scaled further down
  it('THEN fee ≥ notional × rate exactly, fee − notional × rate < 1e-8, fee has ≤ 8 decimals', () => {
    fc.assert(
      fc.property(dec8(0n, UNITS_LIMIT), rate, (notional, r) => {
        const exact = notional.times(r);
        const fee = feeFor(notional, r);
        expect(fee.isGreaterThanOrEqualTo(exact)).toBe(true);
        expect(fee.minus(exact).isLessThan(MIN_UNIT)).toBe(true);
        expect(fee.decimalPlaces()).toBeLessThanOrEqual(8);
      }),
      RUNS,
    );
  });
  it('THEN a tiny positive fee rounds up to one unit', () => {
    expect(feeFor(d('1'), d('0.000000001')).toFixed()).toBe('0.00000001');
    expect(feeFor(d('10000'), d('0.0015')).toFixed()).toBe('15');
    expect(feeFor(d('0'), d('0.0015')).isZero()).toBe(true);
  });
  it('THEN negative inputs throw', () => {
    expect(() => feeFor(d('-1'), d('0.001'))).toThrow(AppError);
    expect(() => feeFor(d('1'), d('-0.001'))).toThrow(AppError);
  });
});

describe('GIVEN splitProRata', () => {
  const weight = fc.oneof(fc.constant(d('0')), dec8(1n, 10n ** 14n), dec8(1n, 1000n));
  const UNIT_AT = (scale: number): Decimal => d('1').shiftedBy(-scale);

  it('THEN Σshares + remainder == total, shares are floors of the exact proportion', () => {
    fc.assert(
      fc.property(
        dec8(0n, UNITS_LIMIT),
        fc.array(weight, { maxLength: 30 }),
        fc.integer({ min: 0, max: 8 }),
        (total, weights, scale) => {
          const { shares, remainder } = splitProRata(total, weights, scale);
          const W = sum(weights);
          expect(shares).toHaveLength(weights.length);
          expect(sum(shares).plus(remainder).isEqualTo(total)).toBe(true);
          expect(remainder.isNegative() && !remainder.isZero()).toBe(false);
          if (!W.isZero()) {
            expect(remainder.isLessThan(UNIT_AT(scale).times(weights.length))).toBe(true);
          } else {
            expect(remainder.isEqualTo(total)).toBe(true);
          }
          shares.forEach((s, i) => {
            const w = weights[i] ?? d('0');
            expect(s.isNegative() && !s.isZero()).toBe(false);
            expect(s.decimalPlaces()).toBeLessThanOrEqual(scale);
            if (w.isZero()) expect(s.isZero()).toBe(true);
            // share_i ≤ total × w_i / W  <  share_i + 10^-scale, checked without division
            expect(s.times(W).isLessThanOrEqualTo(total.times(w))).toBe(true);
            if (!W.isZero()) expect(s.plus(UNIT_AT(scale)).times(W).isGreaterThan(total.times(w))).toBe(true);
          });
        },
      ),
      RUNS,
    );
  });
  it('THEN a classic three-way split leaves the odd unit as remainder', () => {
    const { shares, remainder } = splitProRata(d('100'), [d('1'), d('1'), d('1')]);
    expect(shares.map((s) => s.toFixed())).toEqual(['33.33333333', '33.33333333', '33.33333333']);
    expect(remainder.toFixed()).toBe('0.00000001');
  });
  it('THEN empty or all-zero weights leave everything as remainder', () => {
    expect(splitProRata(d('5'), []).remainder.toFixed()).toBe('5');
    const r = splitProRata(d('5'), [d('0'), d('0')]);
    expect(r.shares.every((s) => s.isZero())).toBe(true);
    expect(r.remainder.toFixed()).toBe('5');
  });
  it('THEN whole-won splits work with scale 0', () => {
    const { shares, remainder } = splitProRata(d('10'), [d('1'), d('2')], 0);
    expect(shares.map((s) => s.toFixed())).toEqual(['3', '6']);
    expect(remainder.toFixed()).toBe('1');
  });
  it('THEN negative total or weights throw INVALID_AMOUNT', () => {
    const codeOf = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return e instanceof AppError ? e.code : 'other';
      }
      return 'none';
    };
    expect(codeOf(() => splitProRata(d('-1'), [d('1')]))).toBe(ErrorCode.INVALID_AMOUNT);
    expect(codeOf(() => splitProRata(d('1'), [d('1'), d('-1')]))).toBe(ErrorCode.INVALID_AMOUNT);
  });
});

describe('GIVEN a sequence of money movements', () => {
  it('THEN adding and then subtracting random 8-decimal amounts in any order returns exactly to zero', () => {
    fc.assert(
      fc.property(
        fc.array(dec8(), { minLength: 1, maxLength: 50 }).chain((xs) =>
          fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length })),
        ),
        ([xs, shuffled]) => {
          let acc = d('0');
          for (const x of xs) acc = acc.plus(x);
          for (const x of shuffled) acc = acc.minus(x);
          expect(acc.isZero()).toBe(true);
        },
      ),
      RUNS,
    );
  });
  it('THEN buy-then-sell conserves money across player, house and market exactly', () => {
    fc.assert(
      fc.property(
        dec8(1n, 10n ** 18n), // cash
        fc.bigInt({ min: 1n, max: 10000n }), // spend fraction in 1/10000ths
        dec8(1n, 10n ** 16n), // buy price
        dec8(1n, 10n ** 16n), // sell price
        fc.constantFrom(d('0'), d('0.0015'), d('0.00015'), d('0.003')),
        (cash0, frac, buyPrice, sellPrice, rate) => {
          const amount = roundDown8(cash0.times(frac.toString()).div(10000).div(rate.plus(1)));
          const qty = divDown(amount, buyPrice);
          const cost = roundAmount(qty.times(buyPrice));
          const buyFee = feeFor(cost, rate);
          expect(cost.isLessThanOrEqualTo(amount)).toBe(true);
          expect(cost.plus(buyFee).isLessThanOrEqualTo(cash0)).toBe(true);

          let player = cash0.minus(cost).minus(buyFee);
          let house = buyFee;
          let market = cost;
          expect(player.plus(house).plus(market).isEqualTo(cash0)).toBe(true);

          const proceeds = roundAmount(qty.times(sellPrice));
          const sellFee = feeFor(proceeds, rate);
          player = player.plus(proceeds).minus(sellFee);
          house = house.plus(sellFee);
          market = market.minus(proceeds);
          expect(player.plus(house).plus(market).isEqualTo(cash0)).toBe(true);
          for (const v of [qty, cost, buyFee, proceeds, sellFee, house]) {
            expect(v.decimalPlaces()).toBeLessThanOrEqual(8);
          }
        },
      ),
      RUNS,
    );
  });
});

describe('GIVEN groupThousands', () => {
  const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 200 });
  const plain = fc
    .tuple(fc.constantFrom('', '-', '+'), digits, fc.option(digits, { nil: undefined }))
    .map(([sign, int, frac]) => `${sign}${int}${frac === undefined ? '' : `.${frac}`}`);
  it('THEN it matches an independent implementation and removing commas gives the input back', () => {
    fc.assert(
      fc.property(plain, (s) => {
        const g = groupThousands(s);
        expect(g).toBe(refGroup(s));
        expect(g.replaceAll(',', '')).toBe(s);
      }),
      RUNS,
    );
  });
  it('THEN it groups the integer part only', () => {
    expect(groupThousands('1234567.891234')).toBe('1,234,567.891234');
    expect(groupThousands('-100')).toBe('-100');
    expect(groupThousands('1000')).toBe('1,000');
    expect(groupThousands('0')).toBe('0');
    expect(groupThousands('123456789012345678901234567890')).toBe('123,456,789,012,345,678,901,234,567,890');
  });
  it('THEN it rejects non-plain strings', () => {
    for (const bad of ['', '1e5', '1,000', 'abc', '.5', '1.']) expect(() => groupThousands(bad)).toThrow(AppError);
  });
});

describe('GIVEN display formatting', () => {
  it('THEN formatKrw rounds half away from zero to whole won with separators', () => {
    expect(formatKrw(d('1234567.5'))).toBe('1,234,568');
    expect(formatKrw(d('1234567.49999999'))).toBe('1,234,567');
    expect(formatKrw(d('-1234.4'))).toBe('-1,234');
    expect(formatKrw(d('-0.4'))).toBe('0');
    expect(formatKrw(d('0'))).toBe('0');
    expect(formatKrw(d('999999999999.99999999'))).toBe('1,000,000,000,000');
  });
  it('THEN formatKrw agrees with the reference for random amounts', () => {
    fc.assert(
      fc.property(dec8(), (x) => {
        const whole = x.decimalPlaces(0, Decimal.ROUND_HALF_UP);
        const expected = refGroup(whole.isZero() ? '0' : whole.toFixed(0));
        expect(formatKrw(x)).toBe(expected);
      }),
      RUNS,
    );
  });
  it('THEN formatDecimal keeps or trims the requested decimals', () => {
    expect(formatDecimal(d('1234.5'), 2)).toBe('1,234.50');
    expect(formatDecimal(d('1234.005'), 2)).toBe('1,234.01');
    expect(formatDecimal(d('0.5'), 8)).toBe('0.50000000');
    expect(formatDecimal(d('0.5'), 8, { trimTrailingZeros: true })).toBe('0.5');
    expect(formatDecimal(d('1000'), 8, { trimTrailingZeros: true })).toBe('1,000');
    expect(formatDecimal(d('-0.001'), 2)).toBe('0.00');
    expect(() => formatDecimal(d('1'), -1)).toThrow(AppError);
  });
});

describe('GIVEN sum, min and max', () => {
  it('THEN they are exact', () => {
    expect(sum([]).isZero()).toBe(true);
    expect(sum([d('0.1'), d('0.2')]).toFixed()).toBe('0.3');
    expect(min(d('2'), d('-1'), d('3')).toFixed()).toBe('-1');
    expect(max(d('2'), d('-1'), d('3')).toFixed()).toBe('3');
  });
});
