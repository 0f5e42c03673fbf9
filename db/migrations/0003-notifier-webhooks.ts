/**
 * Notifier: per-webhook state, and two columns on `webhook_deliveries`.
 *
 * - `notifier_webhooks`: a webhook that answered 401/403/404 is BROKEN for the URL it had
 *   (stored as a SHA-256 fingerprint, never the URL: it holds the webhook token). Its
 *   deliveries stay PENDING — nothing is dropped — and resume when the URL changes or an
 *   operator sets the row back to OK (SPEC §8).
 * - `webhook_deliveries.event_type`: for operators reading the table.
 * - `webhook_deliveries.discord_message_id`: the message Discord created (`?wait=true`).
 */
import type { MigrationFn } from './types.js';

export const up: MigrationFn = async ({ sql }) => {
  await sql(`
    CREATE TABLE notifier_webhooks (
      webhook      TEXT PRIMARY KEY CHECK (webhook IN ('ALERTS', 'HUMAN')),
      status       TEXT NOT NULL CHECK (status IN ('OK', 'BROKEN')),
      url_sha256   TEXT NOT NULL CHECK (url_sha256 ~ '^[0-9a-f]{64}$'),
      http_status  INTEGER,
      reason       TEXT,
      updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    ALTER TABLE webhook_deliveries
      ADD COLUMN event_type TEXT,
      ADD COLUMN discord_message_id TEXT;
  `);
};

export const down: MigrationFn = async ({ sql }) => {
  await sql(`
    ALTER TABLE webhook_deliveries DROP COLUMN IF EXISTS discord_message_id, DROP COLUMN IF EXISTS event_type;
    DROP TABLE IF EXISTS notifier_webhooks;
  `);
};
