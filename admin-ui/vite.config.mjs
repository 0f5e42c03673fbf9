// Vite build of the admin UI: Preact via esbuild's automatic JSX runtime (no plugin needed),
// served by the api at /admin. `npm run build:admin` writes admin-ui/dist.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/admin/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 600,
  },
  server: {
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
    // `npm run dev:admin`: the UI on Vite's dev server, the api on PORT (default 8080).
    proxy: { '/api': 'http://localhost:8080' },
  },
});
