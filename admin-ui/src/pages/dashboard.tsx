import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Card, ErrorBox } from '../components.js';
import { decimal, when } from '../format.js';
import { useApi } from '../hooks.js';
import { t } from '../i18n.js';

interface Quote {
  ticker_id: string;
  price: string;
  currency: string;
  change_pct: string;
  ts: string;
  source: string;
}

interface Dashboard {
  health: { status: string; components: Record<string, { up: boolean; mode: string; error?: string; details?: Record<string, unknown> }> };
  queue: { settle: number | null; dead: number | null };
  engine: { lag_p50_ms: number | null; lag_max_ms: number | null; settled_last_5m: number };
  outbox: { unpublished: number; oldest_unpublished_age_ms: number | null };
}

/** Prices over SSE: a one-time ticket, then EventSource; reconnects with a new ticket. */
function useLivePrices(): { quotes: Map<string, Quote>; connected: boolean } {
  const [quotes, setQuotes] = useState(new Map<string, Quote>());
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    let source: EventSource | null = null;
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      api<{ ticket: string }>('POST', '/stream/ticket').then(
        ({ ticket }) => {
          if (stopped) return;
          source = new EventSource(`/api/v1/stream?ticket=${encodeURIComponent(ticket)}`);
          source.addEventListener('ready', () => setConnected(true));
          source.addEventListener('price', (e) => {
            const q = JSON.parse((e as MessageEvent<string>).data) as Quote;
            setQuotes((prev) => new Map(prev).set(q.ticker_id, q));
          });
          source.onerror = () => {
            setConnected(false);
            source?.close();
            if (!stopped) retry = setTimeout(open, 3000);
          };
        },
        () => {
          if (!stopped) retry = setTimeout(open, 5000);
        },
      );
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, []);
  return { quotes, connected };
}

export function DashboardPage() {
  const { quotes, connected } = useLivePrices();
  const dash = useApi<Dashboard>('/admin/dashboard');
  useEffect(() => {
    const timer = setInterval(dash.reload, 5000);
    return () => clearInterval(timer);
  }, []);
  const rows = [...quotes.values()].sort((a, b) => a.ticker_id.localeCompare(b.ticker_id));
  const d = dash.data;
  return (
    <>
      <Card title={t('dashboard')} testid="stats">
        <ErrorBox error={dash.error} />
        {d !== null && (
          <div class="stats">
            <div class="stat" data-testid="queue-depth">
              {t('queueDepth')}
              <b>{d.queue.settle ?? '—'}</b>
            </div>
            <div class="stat" data-testid="dead-letters">
              {t('deadLetters')}
              <b class={(d.queue.dead ?? 0) > 0 ? 'down' : ''}>{d.queue.dead ?? '—'}</b>
            </div>
            <div class="stat" data-testid="engine-lag">
              {t('engineLag')}
              <b>
                {d.engine.lag_p50_ms ?? '—'} / {d.engine.lag_max_ms ?? '—'} ms
              </b>
            </div>
            <div class="stat">
              {t('settled5m')}
              <b>{d.engine.settled_last_5m}</b>
            </div>
            <div class="stat">
              {t('outbox')}
              <b>{d.outbox.unpublished}</b>
            </div>
          </div>
        )}
      </Card>
      <div class="grid2">
        <Card title={t('prices')} testid="prices">
          <p class={connected ? 'ok' : 'muted'} data-testid="stream-state">
            {connected ? t('streamOpen') : t('streamClosed')}
          </p>
          {rows.length === 0 ? (
            <p class="muted">{t('waitingPrices')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>{t('ticker')}</th>
                  <th class="num">{t('price')}</th>
                  <th class="num">{t('change')}</th>
                  <th>{t('time')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((q) => (
                  <tr key={`${q.ticker_id}${q.ts}`} class="flash" data-testid={`price-${q.ticker_id}`}>
                    <td>{q.ticker_id}</td>
                    <td class="num" data-testid="price-value">
                      {decimal(q.price)} {q.currency === 'USD' ? 'USD' : 'KRW'}
                    </td>
                    <td class={`num ${q.change_pct.startsWith('-') ? 'down' : 'up'}`}>{q.change_pct}%</td>
                    <td>{when(q.ts)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title={t('health')} testid="health">
          {d !== null && (
            <table>
              <thead>
                <tr>
                  <th>{t('component')}</th>
                  <th>{t('status')}</th>
                  <th>{t('mode')}</th>
                  <th>{t('details')}</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(d.health.components).map(([name, c]) => (
                  <tr key={name} data-testid={`component-${name}`}>
                    <td>{name}</td>
                    <td class={c.up ? 'up' : 'down'}>{c.up ? t('up') : t('down')}</td>
                    <td>{c.mode}</td>
                    <td class="muted">{c.error ?? (c.details === undefined ? '' : JSON.stringify(c.details).slice(0, 160))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
    </>
  );
}
