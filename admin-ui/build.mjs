// Builds the admin UI (admin-ui/dist). `node admin-ui/build.mjs` fails on error
// (npm run build:admin); with `--tolerant` (the postinstall step) a failure only warns:
// the api then serves a placeholder at /admin saying how to build it.
import { fileURLToPath } from 'node:url';

const tolerant = process.argv.includes('--tolerant');
try {
  const { build } = await import('vite');
  await build({ configFile: fileURLToPath(new URL('./vite.config.mjs', import.meta.url)) });
  console.log('admin UI built into admin-ui/dist');
} catch (error) {
  const why = error instanceof Error ? error.message : String(error);
  if (!tolerant) {
    console.error(`admin UI build failed: ${why}`);
    process.exit(1);
  }
  console.warn(`admin UI not built (${why.split('\n')[0]}); /admin will say so. Run npm run build:admin to retry.`);
}
