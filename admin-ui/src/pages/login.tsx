import { useState } from 'preact/hooks';
import { ApiError, login } from '../api.js';
import { getLang, setLang, t } from '../i18n.js';

export function LoginPage({ denied }: { denied: boolean }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    login(username, password).then(
      () => setBusy(false),
      (err: unknown) => {
        setBusy(false);
        setError(err instanceof ApiError ? `${t('loginFailed')}: ${err.message}` : t('loginFailed'));
      },
    );
  };
  return (
    <form class="login card" onSubmit={submit} data-testid="login-form">
      <h1>{t('title')}</h1>
      {denied && <p class="error">{t('notAdmin')}</p>}
      <label>
        {t('username')}
        <input name="username" autocomplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} required />
      </label>
      <label>
        {t('password')}
        <input name="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
      </label>
      {error !== null && (
        <p class="error" role="alert" data-testid="login-error">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy} data-testid="login-submit">
        {t('login')}
      </button>
      <a href="/api/v1/login/discord?return=admin">{t('loginDiscord')}</a>
      <button type="button" class="link" onClick={() => setLang(getLang() === 'ko' ? 'en' : 'ko')}>
        {t('language')}
      </button>
    </form>
  );
}
