/**
 * The built admin UI (`npm run build:admin` → `ADMIN_UI_DIR`, default `admin-ui/dist`)
 * served at `/admin`. When the build is missing the api still starts and `/admin` answers
 * a page saying how to build it.
 */
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { Router } from 'express';

export const ADMIN_PLACEHOLDER_HTML = `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>Gaemi admin — not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>관리자 화면이 빌드되지 않았습니다 / The admin UI is not built</h1>
<p>Run <code>npm run build:admin</code> (it also runs after <code>npm install</code>) and reload this page.
The REST API works meanwhile: <a href="/api/v1/docs">/api/v1/docs</a>.</p>
</body></html>
`;

export function adminUiRouter(dir: string): Router {
  const root = path.resolve(dir);
  const router = express.Router();
  const built = () => fs.existsSync(path.join(root, 'index.html'));
  router.use('/assets', express.static(path.join(root, 'assets'), { immutable: true, maxAge: '365d', fallthrough: true }));
  router.use(express.static(root, { index: 'index.html', maxAge: 0 }));
  router.use((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(405).end();
      return;
    }
    if (!built()) {
      res.status(503).type('html').send(ADMIN_PLACEHOLDER_HTML);
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(path.join(root, 'index.html'));
  });
  return router;
}
