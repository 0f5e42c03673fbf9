import { useState } from 'preact/hooks';
import { Card, Empty, ErrorBox } from '../components.js';
import { krw } from '../format.js';
import { useApi } from '../hooks.js';
import { t } from '../i18n.js';

interface Entry {
  rank: number;
  nickname: string;
  equity_krw: string;
  pnl_krw: string;
  realized_pnl_krw: string;
}

export function LeaderboardPage() {
  const [board, setBoard] = useState<'equity' | 'pnl' | 'realized'>('equity');
  const rank = useApi<{ entries: Entry[]; players: number }>(`/rank?board=${board}&limit=100`);
  return (
    <Card title={t('leaderboard')} testid="leaderboard">
      <label>
        {t('board')}
        <select value={board} onChange={(e) => setBoard(e.currentTarget.value as typeof board)}>
          <option value="equity">{t('equity')}</option>
          <option value="pnl">{t('pnl')}</option>
          <option value="realized">{t('realized')}</option>
        </select>
      </label>
      <ErrorBox error={rank.error} />
      <table>
        <thead>
          <tr>
            <th class="num">{t('rank')}</th>
            <th>{t('nickname')}</th>
            <th class="num">{t('equity')}</th>
            <th class="num">{t('pnl')}</th>
            <th class="num">{t('realized')}</th>
          </tr>
        </thead>
        <tbody>
          {(rank.data?.entries ?? []).map((e) => (
            <tr key={e.rank} data-testid="rank-row">
              <td class="num">{e.rank}</td>
              <td>{e.nickname}</td>
              <td class="num">{krw(e.equity_krw)}</td>
              <td class={`num ${e.pnl_krw.startsWith('-') ? 'down' : 'up'}`}>{krw(e.pnl_krw)}</td>
              <td class="num">{krw(e.realized_pnl_krw)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Empty rows={rank.data?.entries} />
    </Card>
  );
}
