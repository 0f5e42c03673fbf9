// Embedded PostgreSQL for `npm start` without DATABASE_URL (SPEC §1): PGlite served over the
// Postgres wire protocol by @electric-sql/pglite-socket, in this child process.
//
// argv: <dataDir> <maxConnections>. Tells the parent over IPC: {type:'ready', port} or
// {type:'error', message}. A lock file (<dataDir>.lock, holding our pid) keeps a second
// process from opening the same data directory. Exits when the parent goes away.
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const [dataDir, maxConnArg] = process.argv.slice(2);
const send = (msg) => (process.send ? process.send(msg) : console.log(JSON.stringify(msg)));

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function takeLock(lockPath) {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new Error(`${dataDir} is in use by another Gaemi process (pid ${pid}); stop it or set DATA_DIR`);
      }
      fs.rmSync(lockPath, { force: true }); // stale lock of a process that died
    }
  }
  throw new Error(`could not take the lock ${lockPath}`);
}

let db;
let server;
let lockPath;
let stopping = false;

async function stop(code) {
  if (stopping) return;
  stopping = true;
  try {
    if (server) await server.stop();
    if (db) await db.close();
  } finally {
    if (lockPath) fs.rmSync(lockPath, { force: true });
    process.exit(code);
  }
}

async function main() {
  if (!dataDir) throw new Error('usage: pglite-server.mjs <dataDir> [maxConnections]');
  fs.mkdirSync(path.dirname(path.resolve(dataDir)), { recursive: true });
  lockPath = `${path.resolve(dataDir)}.lock`;
  takeLock(lockPath);
  fs.mkdirSync(dataDir, { recursive: true });
  db = await PGlite.create({ dataDir });
  server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: 0,
    maxConnections: Number.parseInt(maxConnArg ?? '64', 10),
  });
  await server.start();
  // After start() the server reports the port the OS gave it ("127.0.0.1:<port>").
  const port = Number.parseInt(server.getServerConn().split(':').pop(), 10);
  send({ type: 'ready', port });
}

process.on('disconnect', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
main().catch((error) => {
  send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  if (lockPath && !String(error.message).includes('in use')) fs.rmSync(lockPath, { force: true });
  process.exit(1);
});
