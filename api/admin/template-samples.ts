/**
 * Sample variables for the template editor's live preview: plausible values for every
 * variable the notifier provides (core/templates `TEMPLATE_VARIABLES`). Pure data, shared
 * by the api's preview route and the admin UI (which renders with the same
 * `renderTemplate` of core/templates in the browser).
 */
import type { TemplateKey } from '../../core/templates.js';

export const TEMPLATE_SAMPLES: Readonly<Record<TemplateKey, Readonly<Record<string, string>>>> = {
  whale_trade: {
    nickname: '개미왕',
    ticker: 'KRX-STOCK-005930',
    ticker_name: '삼성전자',
    symbol: '005930',
    notional: '12500000',
    side: '매수',
    side_code: 'BUY',
    price: '71200',
    currency: 'KRW',
    quantity: '175.5617',
  },
  liquidation: { nickname: '야수', ticker: 'US-STOCK-TSLA', ticker_name: '테슬라', symbol: 'TSLA', equity: '1250000', liability: '9800000' },
  ipo_listed: { symbol: 'ANTKING', ticker: 'HUMAN-ETF-ANTKING', nickname: '개미왕', dividend_rate_pct: '30', dividend_rate: '0.3', shares: '10000', offer_price: '1000' },
  dividend_paid: { payer_nickname: '개미왕', total_dividend: '350000', ticker: 'HUMAN-ETF-ANTKING', symbol: 'ANTKING', holders: '12' },
  bailout_processed: { nickname: '흑우', amount: '80000', bailout_count: '2' },
  daily_report: {
    day: '2025-05-12',
    gainer_nickname: '개미왕',
    gainer_pnl: '3520000',
    loser_nickname: '흑우',
    loser_pnl: '-2100000',
    volume_king_nickname: '야수',
    trade_count: '87',
  },
  market_open: { market: 'KRX', market_name: '한국거래소', date: '2025-05-12', open_time: '09:00', close_time: '15:30', session_name: '정규장' },
  market_close: { market: 'KRX', market_name: '한국거래소', date: '2025-05-12', open_time: '09:00', close_time: '15:30', session_name: '정규장' },
};
