import { useEffect, useState } from 'preact/hooks';
import { api, currentSession, logout, onSession, setSession } from './api.js';
import type { Session } from './api.js';
import { useHash } from './hooks.js';
import { getLang, setLang, t, useLang } from './i18n.js';
import { AuditPage } from './pages/audit.js';
import { DashboardPage } from './pages/dashboard.js';
import { LeaderboardPage } from './pages/leaderboard.js';
import { LoginPage } from './pages/login.js';
import { OrdersPage } from './pages/orders.js';
import { SettingsPage } from './pages/settings.js';
import { TemplatesPage } from './pages/templates.js';
import { UsersPage } from './pages/users.js';

interface Me {
  username: string;
  role: 'ADMIN' | 'USER';
}

const PAGES = [
  ['dashboard', 'dashboard'],
  ['users', 'users'],
  ['orders', 'orders'],
  ['settings', 'settings'],
  ['templates', 'templates'],
  ['leaderboard', 'leaderboard'],
  ['audit', 'audit'],
] as const;

export function App() {
  useLang();
  const { route, params } = useHash();
  const [session, set] = useState<Session | null>(currentSession());
  const [me, setMe] = useState<Me | null>(null);
  const [denied, setDenied] = useState(false);

  useEffect(() => onSession(set), []);
  useEffect(() => {
    document.documentElement.lang = getLang();
  }, []);

  // Discord OAuth2 comes back as #/oauth?access_token=…&refresh_token=…
  useEffect(() => {
    if (route !== 'oauth') return;
    const access = params.get('access_token');
    const refresh = params.get('refresh_token');
    if (access !== null && refresh !== null) setSession({ access_token: access, refresh_token: refresh });
    window.location.hash = '#/dashboard';
  }, [route]);

  useEffect(() => {
    if (session === null) {
      setMe(null);
      return;
    }
    api<Me>('GET', '/me').then(
      (m) => {
        if (m.role !== 'ADMIN') {
          setDenied(true);
          void logout();
        } else {
          setDenied(false);
          setMe(m);
        }
      },
      () => setMe(null),
    );
  }, [session]);

  if (session === null || me === null) return <LoginPage denied={denied} />;
  const page = PAGES.some(([r]) => r === route) ? route : 'dashboard';

  return (
    <div class="layout">
      <header>
        <strong>{t('title')}</strong>
        <nav>
          {PAGES.map(([r, key]) => (
            <a href={`#/${r}`} class={page === r ? 'current' : ''} data-testid={`nav-${r}`}>
              {t(key)}
            </a>
          ))}
        </nav>
        <span class="spacer" />
        <button type="button" class="link" data-testid="lang" onClick={() => setLang(getLang() === 'ko' ? 'en' : 'ko')}>
          {t('language')}
        </button>
        <span class="muted">{me.username}</span>
        <button type="button" data-testid="logout" onClick={() => void logout()}>
          {t('logout')}
        </button>
      </header>
      <main>
        {page === 'dashboard' && <DashboardPage />}
        {page === 'users' && <UsersPage />}
        {page === 'orders' && <OrdersPage />}
        {page === 'settings' && <SettingsPage />}
        {page === 'templates' && <TemplatesPage />}
        {page === 'leaderboard' && <LeaderboardPage />}
        {page === 'audit' && <AuditPage />}
      </main>
    </div>
  );
}
