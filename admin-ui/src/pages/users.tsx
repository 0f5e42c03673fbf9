import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.js';
import { Card, Empty, ErrorBox } from '../components.js';
import { krw, when } from '../format.js';
import { useApi } from '../hooks.js';
import { t } from '../i18n.js';
import { AuditTable } from './audit.js';
import type { AuditEntry } from './audit.js';

interface User {
  id: string;
  username: string;
  nickname: string | null;
  role: string;
  discord_user_id: string | null;
  is_suspended: boolean;
  is_bankrupt: boolean;
  balance_krw: string | null;
  created_at: string;
}

function UserActions({ user, onDone }: { user: User; onDone: () => void }) {
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const audit = useApi<{ entries: AuditEntry[] }>(`/admin/audit-log?target_id=${user.id}&limit=20`, [message]);

  const run = (p: Promise<unknown>) => {
    setError(null);
    setMessage(null);
    p.then(
      () => {
        setMessage(t('done'));
        onDone();
      },
      (e: unknown) => setError(e instanceof ApiError ? e : new ApiError(0, 'ERROR', String(e))),
    );
  };
  const needReason = () => {
    if (reason.trim().length < 3) {
      setError(new ApiError(400, 'INVALID_INPUT', t('reasonRequired')));
      return false;
    }
    return true;
  };
  return (
    <Card title={`${user.username} — ${t('actions')}`} testid="user-actions">
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (needReason()) run(api('POST', `/admin/users/${user.id}/cash-adjustment`, { amount_krw: amount.trim(), reason: reason.trim() }));
        }}
      >
        <label>
          {t('amount')}
          <input name="amount" inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} required />
        </label>
        <label>
          {t('reason')}
          <input name="reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} required minLength={3} />
        </label>
        <button type="submit" data-testid="adjust-submit">
          {t('adjustCash')}
        </button>
        <button
          type="button"
          class="secondary"
          data-testid="suspend-toggle"
          onClick={() => {
            if (needReason()) run(api('POST', `/admin/users/${user.id}/suspend`, { suspended: !user.is_suspended, reason: reason.trim() }));
          }}
        >
          {user.is_suspended ? t('reinstate') : t('suspend')}
        </button>
      </form>
      <ErrorBox error={error} />
      {message !== null && (
        <p class="ok" data-testid="action-done">
          {message}
        </p>
      )}
      <h3>{t('audit')}</h3>
      <AuditTable entries={audit.data?.entries ?? []} />
    </Card>
  );
}

export function UsersPage() {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const users = useApi<{ users: User[] }>(`/admin/users?limit=100${query === '' ? '' : `&q=${encodeURIComponent(query)}`}`);
  const chosen = users.data?.users.find((u) => u.id === selected) ?? null;
  return (
    <>
      <Card title={t('users')}>
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            setQuery(q.trim());
          }}
        >
          <label>
            {t('search')}
            <input name="q" value={q} onInput={(e) => setQ(e.currentTarget.value)} data-testid="user-search" />
          </label>
          <button type="submit">{t('search')}</button>
        </form>
        <ErrorBox error={users.error} />
        <table data-testid="users-table">
          <thead>
            <tr>
              <th>{t('username')}</th>
              <th>{t('nickname')}</th>
              <th>{t('role')}</th>
              <th class="num">{t('cash')}</th>
              <th>{t('status')}</th>
              <th>{t('created')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(users.data?.users ?? []).map((u) => (
              <tr key={u.id} data-testid={`user-${u.username}`}>
                <td>{u.username}</td>
                <td>{u.nickname ?? ''}</td>
                <td>{u.role}</td>
                <td class="num" data-testid="user-cash">
                  {krw(u.balance_krw)}
                </td>
                <td class={u.is_suspended ? 'down' : 'up'}>{u.is_suspended ? t('suspended') : t('active')}</td>
                <td>{when(u.created_at)}</td>
                <td>
                  <button type="button" class="secondary" data-testid="user-select" onClick={() => setSelected(u.id)}>
                    {t('actions')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <Empty rows={users.data?.users} />
      </Card>
      {chosen !== null && <UserActions key={chosen.id} user={chosen} onDone={users.reload} />}
    </>
  );
}
