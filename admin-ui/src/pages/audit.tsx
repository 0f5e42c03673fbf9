import { useState } from 'preact/hooks';
import { Card, Empty, ErrorBox } from '../components.js';
import { when } from '../format.js';
import { useApi } from '../hooks.js';
import { t } from '../i18n.js';

export interface AuditEntry {
  id: string;
  actor_username: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  reason: string | null;
  details: Record<string, unknown>;
  request_id: string | null;
  created_at: string;
}

export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  return (
    <>
      <table data-testid="audit-table">
        <thead>
          <tr>
            <th>{t('time')}</th>
            <th>{t('actor')}</th>
            <th>{t('action')}</th>
            <th>{t('target')}</th>
            <th>{t('reason')}</th>
            <th>{t('details')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} data-testid="audit-row">
              <td>{when(e.created_at)}</td>
              <td>{e.actor_username ?? '—'}</td>
              <td>{e.action}</td>
              <td>
                {e.target_type ?? ''} {e.target_id ?? ''}
              </td>
              <td>{e.reason ?? ''}</td>
              <td class="muted">{JSON.stringify(e.details).slice(0, 200)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Empty rows={entries} />
    </>
  );
}

export function AuditPage() {
  const [action, setAction] = useState('');
  const audit = useApi<{ entries: AuditEntry[] }>(`/admin/audit-log?limit=100${action === '' ? '' : `&action=${encodeURIComponent(action)}`}`);
  return (
    <Card title={t('audit')}>
      <label>
        {t('action')}
        <select value={action} onChange={(e) => setAction(e.currentTarget.value)}>
          <option value="">—</option>
          {['user.cash_adjustment', 'user.suspend', 'user.reinstate', 'user.create', 'settings.update', 'template.update', 'template.reset', 'ticker.update'].map((a) => (
            <option value={a}>{a}</option>
          ))}
        </select>
      </label>
      <ErrorBox error={audit.error} />
      <AuditTable entries={audit.data?.entries ?? []} />
    </Card>
  );
}
