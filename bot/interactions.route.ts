/**
 * The HTTP interactions transport: `POST /interactions` (SPEC §7).
 *
 * The raw body is read on this route only (`express.raw`), verified with Ed25519 against
 * `DISCORD_PUBLIC_KEY` (bad or missing signature, or a timestamp outside the replay window
 * → 401 and nothing else happens), parsed, and handed to the same {@link InteractionHandler}
 * as the gateway. The handler's response is the HTTP response; work that must follow it (mark
 * the reply as sent, edit a deferred reply) runs once the response is written.
 */
import express from 'express';
import type { Express, Request, Response } from 'express';
import type { APIInteraction } from 'discord-api-types/v10';
import type { Logger } from 'pino';
import type { InteractionHandler } from './interaction.handler.js';
import type { InteractionVerifier } from './signature.js';

/** Path of the endpoint (set as "Interactions Endpoint URL" in the Developer Portal). */
export const INTERACTIONS_PATH = '/interactions';

export interface InteractionsRouteOptions {
  verifier: InteractionVerifier;
  handler: InteractionHandler;
  logger: Logger;
}

/** Counters for health details. */
export interface InteractionsStats {
  received: number;
  rejected: number;
}

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function isInteraction(value: unknown): value is APIInteraction {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['type'] === 'number' && typeof v['id'] === 'string' && typeof v['token'] === 'string' && typeof v['application_id'] === 'string';
}

/** Mount `POST /interactions` on `app`. */
export function mountInteractionsRoute(app: Express, o: InteractionsRouteOptions): InteractionsStats {
  const stats: InteractionsStats = { received: 0, rejected: 0 };
  const log = o.logger.child({ component: 'interactions-http' });
  app.post(INTERACTIONS_PATH, express.raw({ type: () => true, limit: '1mb' }), async (req: Request, res: Response) => {
    stats.received += 1;
    const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const outcome = o.verifier(raw, header(req, 'x-signature-ed25519'), header(req, 'x-signature-timestamp'));
    if (outcome !== 'ok') {
      stats.rejected += 1;
      log.info({ outcome, ip: req.ip }, 'interaction refused');
      res.status(401).json({ error: 'invalid request signature' });
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch {
      payload = undefined;
    }
    if (!isInteraction(payload)) {
      res.status(400).json({ error: 'body is not an interaction' });
      return;
    }
    const handled = await o.handler.handle(payload);
    const after = handled.afterResponse;
    if (after) {
      res.once('finish', () => {
        after().catch((error: unknown) => log.error({ err: error, interaction_id: payload.id }, 'work after the response failed'));
      });
    }
    res.status(200).json(handled.response);
  });
  return stats;
}
