import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api.js';
import { Card, ErrorBox } from '../components.js';
import { when } from '../format.js';
import { useApi } from '../hooks.js';
import { t } from '../i18n.js';
import type { Key } from '../i18n.js';

interface Setting {
  key: string;
  value: string;
  source: string;
  updated_at: string | null;
}

const LABELS: Record<string, Key> = {
  trading_fee_rate: 'feeRate',
  whale_alert_threshold_krw: 'whaleThreshold',
  starting_cash_krw: 'startingCash',
  max_leverage: 'maxLeverage',
  maintenance_margin: 'maintenanceMargin',
};

export function SettingsPage() {
  const settings = useApi<{ settings: Setting[] }>('/admin/settings');
  const [values, setValues] = useState<Record<string, string>>({});
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (settings.data !== null) setValues(Object.fromEntries(settings.data.settings.map((s) => [s.key, s.value])));
  }, [settings.data]);
  const submit = (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const changed = Object.fromEntries(Object.entries(values).filter(([k, v]) => settings.data?.settings.find((s) => s.key === k)?.value !== v));
    api('PUT', '/admin/settings', { ...changed, ...(reason.trim() === '' ? {} : { reason: reason.trim() }) }).then(
      () => {
        setSaved(true);
        settings.reload();
      },
      (err: unknown) => setError(err instanceof ApiError ? err : new ApiError(0, 'ERROR', String(err))),
    );
  };
  return (
    <Card title={t('settings')}>
      <form onSubmit={submit} data-testid="settings-form" style="display: grid; gap: 0.75rem; max-width: 32rem">
        {(settings.data?.settings ?? []).map((s) => (
          <label key={s.key}>
            {t(LABELS[s.key] ?? 'settings')} <span class="muted">({s.key}; {t('source')}: {s.source} {when(s.updated_at)})</span>
            <input name={s.key} value={values[s.key] ?? ''} onInput={(e) => setValues({ ...values, [s.key]: e.currentTarget.value })} inputMode="decimal" />
          </label>
        ))}
        <label>
          {t('reason')}
          <input name="reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </label>
        <button type="submit" data-testid="settings-save">
          {t('save')}
        </button>
      </form>
      <ErrorBox error={error ?? settings.error} />
      {saved && <p class="ok">{t('saved')}</p>}
    </Card>
  );
}
