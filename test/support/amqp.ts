/**
 * A RabbitMQ virtual host of its own for a test file, made with `rabbitmqctl` (the
 * management plugin is not assumed). Queues, exchanges and messages vanish with it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { loadConfig } from '../../platform/config.js';

const run = promisify(execFile);

export interface TestVhost {
  /** AMQP URL of the new vhost. */
  url: string;
  vhost: string;
  drop(): Promise<void>;
}

export async function createTestVhost(label: string): Promise<TestVhost> {
  const vhost = `gaemi_t_${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  await run('rabbitmqctl', ['-q', 'add_vhost', vhost]);
  await run('rabbitmqctl', ['-q', 'set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
  const u = new URL(loadConfig().TEST_AMQP_URL);
  u.pathname = `/${encodeURIComponent(vhost)}`;
  return {
    url: u.toString(),
    vhost,
    drop: async () => {
      await run('rabbitmqctl', ['-q', 'delete_vhost', vhost]);
    },
  };
}
