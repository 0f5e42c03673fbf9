/**
 * BatchStateCache on its own (pure, in memory): what it serves, what it applies after a write,
 * and what it drops. Its use by settlement, against the real database, is in
 * settlement.service.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { BatchState, LockedAccountRow, PositionRow, PositionWrite, WalletWrite } from '../platform/db/settlement.repository.js';
import { BatchStateCache } from './batch-state.cache.js';

const account = (id: string, balance = '1000.00000000'): LockedAccountRow => ({
  user_id: id,
  balance_krw: balance,
  reserved_krw: '0.00000000',
  is_suspended: false,
  username: `u-${id}`,
  nickname: null,
});
const position = (id: string, userId: string, tickerId: string, quantity: string): PositionRow => ({
  id,
  user_id: userId,
  ticker_id: tickerId,
  quantity,
  reserved_quantity: '0.00000000',
  average_price: '10.00000000',
  average_cost_krw: '10.00000000',
  realized_pnl_krw: '0.00000000',
  currency: 'KRW-COIN',
});
/** A wallet write as `writeBatch` gets it (the previous values do not matter to the cache). */
const wallet = (userId: string, balanceKrw: string): WalletWrite => ({ userId, balanceKrw, previous: { balanceKrw: '1000.00000000', reservedKrw: '0.00000000' } });
const positionWrite = (userId: string, tickerId: string, quantity: string): PositionWrite => ({
  userId,
  tickerId,
  quantity,
  averagePrice: '10.00000000',
  averageCostKrw: '10.00000000',
  realizedPnlKrw: '0.00000000',
  currency: 'KRW-COIN',
});
const BTC = 'CRYPTO-COIN-BTC';
const ETH = 'CRYPTO-COIN-ETH';
const keysOf = (userIds: string[], tickerId = BTC) => ({
  userIds,
  tickerIds: [tickerId],
  positions: userIds.map((userId) => ({ userId, tickerId })),
});
const stateOf = (userIds: string[], positions: PositionRow[] = [], tickerId = BTC): BatchState => ({
  accounts: userIds.map((id) => account(id)),
  existingOrderIds: [],
  instruments: [{ id: tickerId, market: 'CRYPTO', currency: 'KRW-COIN', active: true }],
  positions,
  settings: { trading_fee_rate: '0.002' },
});

describe('GIVEN an empty cache', () => {
  it('THEN nothing is served until a read was remembered, and then exactly that read', () => {
    const cache = new BatchStateCache();
    expect(cache.get(keysOf(['a']))).toBeUndefined();
    cache.remember(stateOf(['a', 'b'], [position('7', 'a', BTC, '2.00000000')]));
    const got = cache.get(keysOf(['a', 'b']));
    expect(got?.accounts.map((a) => a.user_id)).toEqual(['a', 'b']);
    expect(got?.positions.map((p) => p.id)).toEqual(['7']); // b holds no BTC: known, not served
    expect(got?.settings).toEqual({ trading_fee_rate: '0.002' });
    expect(got?.existingOrderIds).toEqual([]);
    // A player or an instrument never read is a miss for the whole batch.
    expect(cache.get(keysOf(['a', 'c']))).toBeUndefined();
    expect(cache.get(keysOf(['a'], ETH))).toBeUndefined();
    expect(cache.stats).toEqual({ hits: 1, misses: 3 });
  });

  it('THEN a ticker a remembered player was never asked about is known not held (a read returns all their positions)', () => {
    const cache = new BatchStateCache();
    cache.remember(stateOf(['a'], [position('7', 'a', BTC, '2.00000000')]));
    cache.remember(stateOf(['z'], [], ETH)); // ETH's catalogue row, read for another player
    const got = cache.get(keysOf(['a'], ETH));
    expect(got?.accounts.map((a) => a.user_id)).toEqual(['a']);
    expect(got?.positions).toEqual([]);
  });
});

describe('GIVEN a batch committed', () => {
  it('THEN new balances and positions are served, an opened position with its id, and forget() drops a player', () => {
    const cache = new BatchStateCache();
    const keys = keysOf(['a', 'b']);
    cache.committed({
      keys,
      read: stateOf(['a', 'b'], [position('7', 'a', BTC, '2.00000000')]),
      remembered: false,
      wallets: [wallet('a', '500.00000000'), wallet('b', '900.00000000')],
      positions: [positionWrite('a', BTC, '1.00000000'), positionWrite('b', BTC, '3.00000000')],
      opened: [{ id: '8', user_id: 'b', ticker_id: BTC }],
    });
    const got = cache.get(keys);
    expect(got?.accounts.map((a) => [a.user_id, a.balance_krw])).toEqual([['a', '500.00000000'], ['b', '900.00000000']]);
    expect(got?.positions.map((p) => [p.id, p.user_id, p.quantity])).toEqual([['7', 'a', '1.00000000'], ['8', 'b', '3.00000000']]);
    cache.forget(['b']);
    expect(cache.get(keys)).toBeUndefined();
    expect(cache.get(keysOf(['a']))?.accounts[0]?.balance_krw).toBe('500.00000000');
  });

  it('THEN a position opened without its id is read again, and so is every ticker of that player not known held', () => {
    const cache = new BatchStateCache();
    cache.remember(stateOf(['z'], [], ETH));
    const keys = keysOf(['a']);
    cache.committed({
      keys,
      read: stateOf(['a']),
      remembered: false,
      wallets: [wallet('a', '500.00000000')],
      positions: [positionWrite('a', BTC, '1.00000000')],
      opened: [],
    });
    expect(cache.get(keys)).toBeUndefined();
    expect(cache.get(keysOf(['a'], ETH))).toBeUndefined();
  });
});

describe('GIVEN more players than the cache holds', () => {
  it('THEN the least recently used are dropped first', () => {
    const cache = new BatchStateCache(2);
    cache.remember(stateOf(['a', 'b']));
    expect(cache.get(keysOf(['a']))).toBeDefined(); // a used after b
    cache.remember(stateOf(['c']));
    expect(cache.size).toBe(2);
    expect(cache.get(keysOf(['b']))).toBeUndefined();
    expect(cache.get(keysOf(['a', 'c']))).toBeDefined();
  });
});
