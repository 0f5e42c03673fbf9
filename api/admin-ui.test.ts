/**
 * The admin UI in headless Chromium (Debian `chromium` driven by playwright-core), served
 * by the real api on the real services: log in, watch a price change live, edit a template
 * and see the preview, adjust a player's cash with a reason and find it in the audit log,
 * switch language. The page must run under the api's CSP with no console errors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startApiHarness } from './testing/harness.js';
import type { ApiHarness } from './testing/harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const UI_DIR = path.join(ROOT, 'admin-ui', 'dist');
const CHROMIUM = '/usr/bin/chromium';

let h: ApiHarness;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
const problems: string[] = [];

async function ensureBuilt(): Promise<void> {
  if (fs.existsSync(path.join(UI_DIR, 'index.html'))) return;
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'admin-ui', 'vite.config.mjs'), logLevel: 'error' });
}

/** The bit of the page's DOM the waits below read (the test compiles without the DOM library). */
interface MiniDocument {
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }>;
}

/** Wait until the text of the first element matching `selector` includes (or equals) `text`. Runs as a function: the page's CSP forbids eval. */
async function waitText(selector: string, text: string, test: 'includes' | 'equals' = 'includes'): Promise<void> {
  await page.waitForFunction(
    ([sel, want, how]) => {
      const doc = (globalThis as unknown as { document: MiniDocument }).document;
      const got = doc.querySelector(sel)?.textContent ?? '';
      return how === 'includes' ? got.includes(want) : got === want;
    },
    [selector, text, test] as const,
  );
}

/** Wait until some element matching `selector` contains every one of `texts`. */
async function waitRow(selector: string, texts: string[]): Promise<void> {
  await page.waitForFunction(
    ([sel, wants]) => {
      const doc = (globalThis as unknown as { document: MiniDocument }).document;
      return Array.from(doc.querySelectorAll(sel)).some((r) => wants.every((w) => (r.textContent ?? '').includes(w)));
    },
    [selector, texts] as const,
  );
}

const quote = (price: string) => ({ ticker_id: 'CRYPTO-COIN-BTC', price, currency: 'KRW-COIN', change_pct: '0.42', volume: '12.5', ts: new Date().toISOString(), source: 'test' });

beforeAll(async () => {
  await ensureBuilt();
  h = await startApiHarness({ label: 'adminui', amqp: false, env: { ADMIN_UI_DIR: UI_DIR } });
  await h.createPlayer('alice');
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaemi-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    locale: 'en-US',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes('status of 401')) problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && r.status() !== 401) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  if (userDataDir !== undefined) fs.rmSync(userDataDir, { recursive: true, force: true });
  await h?.stop();
});

describe('GIVEN an operator in the browser', () => {
  it('THEN a wrong password is refused and the right one opens the dashboard', async () => {
    await page.goto(`${h.base}/admin/`);
    await page.fill('input[name=username]', ADMIN.username);
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('[data-testid=login-submit]');
    await page.waitForSelector('[data-testid=login-error]');
    await page.fill('input[name=password]', ADMIN.password);
    await page.click('[data-testid=login-submit]');
    await page.waitForSelector('[data-testid=nav-dashboard]');
    await page.waitForSelector('[data-testid=component-postgres]');
    expect(await page.textContent('[data-testid=dead-letters]')).toContain('0');
  });

  it('THEN a price published on market_updates appears live, and a new one replaces it', async () => {
    await page.waitForSelector('[data-testid=stream-state].ok');
    const redis = h.process.infra.redis.client;
    await redis.publish('market_updates', JSON.stringify(quote('143250000')));
    const row = '[data-testid="price-CRYPTO-COIN-BTC"] [data-testid=price-value]';
    await waitText(row, '143,250,000');
    await redis.publish('market_updates', JSON.stringify(quote('143990000.5')));
    await waitText(row, '143,990,000.5');
  });

  it('THEN editing a template shows the live preview from the notifier renderer, and saving stores it', async () => {
    await page.click('[data-testid=nav-templates]');
    await page.waitForSelector('[data-testid=template-key] option', { state: 'attached' });
    await page.selectOption('[data-testid=template-key]', 'whale_trade');
    const content = '🐋 {nickname}: {notional:,} KRW {side} {oops}';
    await page.fill('[data-testid=template-content]', content);
    await waitText('[data-testid=template-preview]', '🐋 개미왕: 12,500,000 KRW 매수 {oops}', 'equals');
    expect(await page.textContent('[data-testid=template-unknown]')).toContain('{oops}');
    await page.click('[data-testid=template-save]');
    await page.waitForSelector('[data-testid=template-saved]');
    const stored = await h.request<{ content: string }>('GET', '/api/v1/admin/templates/whale_trade', { token: await h.adminToken() });
    expect(stored.body.content).toBe(content);
  });

  it("THEN a cash adjustment with a reason updates the player and is found in the audit log", async () => {
    await page.click('[data-testid=nav-users]');
    await page.fill('[data-testid=user-search]', 'alice');
    await page.press('[data-testid=user-search]', 'Enter');
    await page.waitForSelector('[data-testid=user-alice]');
    expect(await page.textContent('[data-testid=user-alice] [data-testid=user-cash]')).toBe('100,000,000');
    await page.click('[data-testid=user-alice] [data-testid=user-select]');
    await page.fill('[data-testid=user-actions] input[name=amount]', '250000');
    await page.fill('[data-testid=user-actions] input[name=reason]', 'browser test: tournament prize');
    await page.click('[data-testid=adjust-submit]');
    await page.waitForSelector('[data-testid=action-done]');
    await waitText('[data-testid=user-alice] [data-testid=user-cash]', '100,250,000', 'equals');
    await waitRow('[data-testid=user-actions] [data-testid=audit-row]', ['browser test: tournament prize']);
    await page.click('[data-testid=nav-audit]');
    await waitRow('[data-testid=audit-row]', ['user.cash_adjustment', 'root_admin', 'browser test: tournament prize']);
  });

  it('THEN the UI switches between English and Korean', async () => {
    const before = await page.textContent('[data-testid=nav-users]');
    await page.click('[data-testid=lang]');
    const after = await page.textContent('[data-testid=nav-users]');
    expect(new Set([before, after])).toEqual(new Set(['Users', '사용자']));
    await page.click('[data-testid=lang]');
    expect(await page.textContent('[data-testid=nav-users]')).toBe(before);
  });

  it('THEN the API docs page (Swagger UI, served locally) renders the OpenAPI document under the CSP', async () => {
    await page.goto(`${h.base}/api/v1/docs`);
    await waitText('.swagger-ui .info', 'Gaemi');
    await waitText('.swagger-ui', '/api/v1/orders');
  });

  it('THEN nothing broke in the pages (CSP, scripts)', () => {
    expect(problems).toEqual([]);
  });
});
