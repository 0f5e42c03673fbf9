import type { ComponentChildren } from 'preact';
import type { ApiError } from './api.js';
import { t } from './i18n.js';

export function ErrorBox({ error }: { error: ApiError | Error | null | undefined }) {
  if (error === null || error === undefined) return null;
  const code = 'code' in error ? ` (${(error as ApiError).code})` : '';
  return (
    <p class="error" role="alert" data-testid="error">
      {t('error')}: {error.message}
      {code}
    </p>
  );
}

export function Card({ title, children, testid }: { title: string; children: ComponentChildren; testid?: string }) {
  return (
    <section class="card" data-testid={testid}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export function Empty({ rows }: { rows: unknown[] | null | undefined }) {
  return rows !== null && rows !== undefined && rows.length === 0 ? <p class="muted">{t('noRows')}</p> : null;
}
