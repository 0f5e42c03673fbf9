import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TEMPLATES,
  MAX_TEMPLATE_LENGTH,
  TEMPLATE_KEYS,
  TEMPLATE_VARIABLES,
  checkTemplateContent,
  codePointLength,
  isTemplateKey,
  placeholdersOf,
  renderTemplate,
  truncateCodePoints,
  unknownPlaceholders,
} from './templates.js';

describe('GIVEN the default templates', () => {
  it('THEN they are exactly those of SPEC §8', () => {
    expect(DEFAULT_TEMPLATES.whale_trade).toBe('🐳 [고래] {nickname}님이 {ticker}에 {notional:,} KRW 규모 {side} 체결!');
    expect(DEFAULT_TEMPLATES.liquidation).toBe(
      '📉 [속보] {nickname}님이 {ticker} 포지션 강제 청산! (순자산 {equity:,} / 부채 {liability:,})',
    );
    expect(DEFAULT_TEMPLATES.ipo_listed).toBe('🆕 [IPO] {symbol} 상장! 배당률 {dividend_rate_pct}%');
    expect(DEFAULT_TEMPLATES.dividend_paid).toBe('💰 [배당] {payer_nickname}님이 총 {total_dividend:,} KRW 배당');
    expect(DEFAULT_TEMPLATES.bailout_processed).toBe('😭 [파산] {nickname}님 구제금융 처리');
  });

  it('THEN the daily report is the four lines of SPEC §8', () => {
    expect(DEFAULT_TEMPLATES.daily_report.split('\n')).toEqual([
      '📊 일일 리포트',
      '🥇 오늘의 승리자: {gainer_nickname} (+{gainer_pnl:,} KRW)',
      '💩 오늘의 흑우: {loser_nickname} ({loser_pnl:,} KRW)',
      '🌙 야수의 심장: {volume_king_nickname} ({trade_count}회 체결)',
    ]);
  });

  it('THEN every default uses only the variables the notifier provides for its key', () => {
    for (const key of TEMPLATE_KEYS) expect(unknownPlaceholders(key, DEFAULT_TEMPLATES[key]), key).toEqual([]);
  });

  it('THEN the whale template renders the SPEC example line', () => {
    const line = renderTemplate(DEFAULT_TEMPLATES.whale_trade, {
      nickname: '개미왕',
      ticker: 'KRX-STOCK-005930',
      notional: '12345678',
      side: '매수',
    });
    expect(line).toBe('🐳 [고래] 개미왕님이 KRX-STOCK-005930에 12,345,678 KRW 규모 매수 체결!');
  });

  it('THEN isTemplateKey accepts the known keys only', () => {
    for (const key of TEMPLATE_KEYS) expect(isTemplateKey(key)).toBe(true);
    for (const bad of ['', 'WHALE_TRADE', 'whale', '__proto__', 'constructor', 1, null]) expect(isTemplateKey(bad)).toBe(false);
    expect(Object.keys(TEMPLATE_VARIABLES).sort()).toEqual([...TEMPLATE_KEYS].sort());
  });
});

describe('GIVEN a template with placeholders', () => {
  it('THEN {name} is replaced and {name:,} groups thousands on the digits', () => {
    expect(renderTemplate('{a} and {a:,}', { a: '1234567' })).toBe('1234567 and 1,234,567');
    expect(renderTemplate('{x:,}', { x: '-1234567.891' })).toBe('-1,234,567.891');
    expect(renderTemplate('{x:,}', { x: '999' })).toBe('999');
    expect(renderTemplate('{x:,}', { x: '0.00000001' })).toBe('0.00000001');
  });

  it('THEN a huge number is grouped exactly (no float on the way)', () => {
    const big = '123456789012345678901234567890.12345678';
    expect(renderTemplate('{n:,}', { n: big })).toBe('123,456,789,012,345,678,901,234,567,890.12345678');
    expect(renderTemplate('{n}', { n: '9007199254740993' })).toBe('9007199254740993');
    expect(renderTemplate('{n:,}', { n: '9007199254740993' })).toBe('9,007,199,254,740,993');
  });

  it('THEN {name:,} on a value that is not a plain decimal inserts it unchanged', () => {
    for (const v of ['abc', '1e21', '1,234', '', ' 12', 'NaN', 'Infinity', '0x10', '１２３']) {
      expect(renderTemplate('[{v:,}]', { v })).toBe(`[${v}]`);
    }
  });

  it('THEN missing and unknown placeholders are printed as written', () => {
    expect(renderTemplate('{nickname}님 {unknown} {unknown:,}', { nickname: '개미' })).toBe('개미님 {unknown} {unknown:,}');
    expect(renderTemplate('{toString} {constructor} {__proto__} {hasOwnProperty}', {})).toBe(
      '{toString} {constructor} {__proto__} {hasOwnProperty}',
    );
  });

  it('THEN malformed braces are left as written', () => {
    const vars = { name: 'X' };
    const cases: [string, string][] = [
      ['{', '{'],
      ['}', '}'],
      ['{}', '{}'],
      ['{ name }', '{ name }'],
      ['{name', '{name'],
      ['name}', 'name}'],
      ['{name:x}', '{name:x}'],
      ['{name:,,}', '{name:,,}'],
      ['{name:}', '{name:}'],
      ['{1name}', '{1name}'],
      ['{na-me}', '{na-me}'],
      ['{{name}}', '{X}'],
      ['{{name}', '{X'],
      ['{name}}', 'X}'],
      ['{이름}', '{이름}'],
      ['{name}{name}', 'XX'],
    ];
    for (const [template, expected] of cases) expect(renderTemplate(template, vars), template).toBe(expected);
  });

  it('THEN values are inserted literally: no recursive expansion, no $-patterns, no code', () => {
    expect(renderTemplate('{a}', { a: '{b}', b: 'nope' })).toBe('{b}');
    expect(renderTemplate('{a}', { a: "$& $1 $$ $' $`" })).toBe("$& $1 $$ $' $`");
    expect(renderTemplate('{a}', { a: '${process.exit(1)}' })).toBe('${process.exit(1)}');
    expect(renderTemplate('${a} `{a}` {a.constructor} {a[0]}', { a: 'v' })).toBe('$v `v` {a.constructor} {a[0]}');
  });

  it('THEN Korean text and emoji (astral, ZWJ sequences, flags) pass through untouched', () => {
    const nickname = '👨‍👩‍👧‍👦 개미🐜 🇰🇷';
    expect(renderTemplate('😭 [파산] {nickname}님 구제금융 처리 🎉', { nickname })).toBe(`😭 [파산] ${nickname}님 구제금융 처리 🎉`);
    expect(renderTemplate('{닉네임} {nickname}', { nickname: '한글' })).toBe('{닉네임} 한글');
  });

  it('THEN rendering is linear: a long template of many braces renders quickly and exactly', () => {
    const template = '{'.repeat(50_000) + '{a}' + '}'.repeat(50_000);
    expect(renderTemplate(template, { a: 'v' })).toBe('{'.repeat(50_000) + 'v' + '}'.repeat(50_000));
  });

  it('THEN any text without a well-formed placeholder renders to itself (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const template = s.replace(/\{[A-Za-z_][A-Za-z0-9_]*(:,)?\}/g, '');
        return renderTemplate(template, { a: 'x', b: 'y' }) === template || placeholdersOf(template).length > 0;
      }),
    );
  });

  it('THEN grouping never changes the digits (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.nat({ max: 99_999_999 }), (i, f) => {
        const value = `${i}.${String(f).padStart(8, '0')}`;
        const out = renderTemplate('{v:,}', { v: value });
        return out.replaceAll(',', '') === value && !/\d{4},|,\d{0,2}(,|\.|$)/.test(out);
      }),
    );
  });
});

describe('GIVEN template content to store', () => {
  it('THEN 1..2000 code points of text are accepted, and nothing else', () => {
    expect(checkTemplateContent('a')).toBeNull();
    expect(checkTemplateContent('🐳'.repeat(MAX_TEMPLATE_LENGTH))).toBeNull();
    expect(checkTemplateContent('🐳'.repeat(MAX_TEMPLATE_LENGTH + 1))).toBe('too_long');
    expect(checkTemplateContent('')).toBe('empty');
    expect(checkTemplateContent('a\u0000b')).toBe('not_text');
    expect(checkTemplateContent(42)).toBe('not_text');
    expect(codePointLength('🐳개미')).toBe(3);
  });

  it('THEN placeholders and unknown ones are listed', () => {
    expect(placeholdersOf('{a} {b:,} {a} {bad }')).toEqual(['a', 'b']);
    expect(unknownPlaceholders('whale_trade', '{nickname} {nick} {notional:,}')).toEqual(['nick']);
  });

  it('THEN truncation counts code points and never splits a surrogate pair', () => {
    expect(truncateCodePoints('abc', 3)).toBe('abc');
    expect(truncateCodePoints('🐳🐳🐳🐳', 3)).toBe('🐳🐳…');
  });
});
