import { useState } from 'preact/hooks';
import { Card, Empty, ErrorBox } from '../components.js';
import { decimal, krw, when } from '../format.js';
import { useApi } from '../hooks.js';
import { t } from '../i18n.js';

interface Order {
  id: string;
  username?: string;
  ticker_id: string;
  side: string;
  type: string;
  status: string;
  quantity: string | null;
  notional_krw: string | null;
  price: string | null;
  filled_quantity: string | null;
  fail_reason: string | null;
  source: string;
  created_at: string;
}

export function OrdersPage() {
  const [q, setQ] = useState('');
  const [status, setStatus] = useState('');
  const [applied, setApplied] = useState({ q: '', status: '' });
  const params = new URLSearchParams({ limit: '100' });
  if (applied.q !== '') params.set('q', applied.q);
  if (applied.status !== '') params.set('status', applied.status);
  const orders = useApi<{ orders: Order[] }>(`/admin/orders?${params.toString()}`);
  const failures = useApi<{ reasons: { fail_reason: string; count: number }[] }>('/admin/orders/failures?hours=24');
  return (
    <>
      <Card title={t('orders')}>
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            setApplied({ q: q.trim(), status });
          }}
        >
          <label>
            {t('search')}
            <input value={q} onInput={(e) => setQ(e.currentTarget.value)} data-testid="order-search" />
          </label>
          <label>
            {t('status')}
            <select value={status} onChange={(e) => setStatus(e.currentTarget.value)} data-testid="order-status">
              <option value="">{t('allStatuses')}</option>
              {['FILLED', 'FAILED', 'PENDING', 'CANCELLED'].map((s) => (
                <option value={s}>{s}</option>
              ))}
            </select>
          </label>
          <button type="submit">{t('search')}</button>
        </form>
        <ErrorBox error={orders.error} />
        <table data-testid="orders-table">
          <thead>
            <tr>
              <th>{t('created')}</th>
              <th>{t('username')}</th>
              <th>{t('ticker')}</th>
              <th>{t('side')}</th>
              <th>{t('status')}</th>
              <th class="num">{t('quantity')}</th>
              <th class="num">{t('price')}</th>
              <th>{t('failReason')}</th>
            </tr>
          </thead>
          <tbody>
            {(orders.data?.orders ?? []).map((o) => (
              <tr key={o.id}>
                <td>{when(o.created_at)}</td>
                <td>{o.username ?? ''}</td>
                <td>{o.ticker_id}</td>
                <td>{o.side}</td>
                <td class={o.status === 'FAILED' ? 'down' : ''}>{o.status}</td>
                <td class="num">{o.filled_quantity !== null ? decimal(o.filled_quantity) : o.quantity !== null ? decimal(o.quantity) : `₩${krw(o.notional_krw)}`}</td>
                <td class="num">{decimal(o.price)}</td>
                <td>{o.fail_reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <Empty rows={orders.data?.orders} />
      </Card>
      <Card title={t('failures24h')}>
        <table>
          <tbody>
            {(failures.data?.reasons ?? []).map((r) => (
              <tr key={r.fail_reason}>
                <td>{r.fail_reason}</td>
                <td class="num">{r.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <Empty rows={failures.data?.reasons} />
      </Card>
    </>
  );
}
