/**
 * Ed25519 verification of Discord's HTTP interactions (Node crypto, no extra dependency).
 *
 * Discord signs `timestamp + rawBody` with the application's key and sends
 * `X-Signature-Ed25519` (128 hex) and `X-Signature-Timestamp` (Unix seconds). A request
 * whose signature does not verify must get 401 (Discord probes this when the endpoint URL
 * is saved). On top of that, a timestamp more than `maxAgeS` away from our clock is refused
 * as a replay (the signature cannot be replayed later with a new timestamp).
 * Source: discord.com/developers/docs/interactions/overview#setting-up-an-endpoint.
 */
import { createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../core/ports.js';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the 32 raw key bytes follow. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Wrap a raw 32-byte Ed25519 public key (64 hex) as a Node KeyObject. */
export function ed25519PublicKey(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new TypeError('an Ed25519 public key is 64 hex characters');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
}

/** Why a request was refused; `ok` when it verifies. */
export type VerifyOutcome = 'ok' | 'missing_headers' | 'bad_signature' | 'bad_timestamp' | 'stale_timestamp';

/** Checks the signature headers of one request. */
export type InteractionVerifier = (rawBody: Buffer, signature: string | undefined, timestamp: string | undefined) => VerifyOutcome;

/**
 * Build a verifier for `publicKeyHex` (`DISCORD_PUBLIC_KEY`).
 * @param maxAgeS largest accepted distance between the timestamp and `clock` (seconds).
 */
export function createInteractionVerifier(publicKeyHex: string, options: { maxAgeS: number; clock: Clock }): InteractionVerifier {
  const key = ed25519PublicKey(publicKeyHex);
  return (rawBody, signature, timestamp) => {
    if (signature === undefined || timestamp === undefined || signature === '' || timestamp === '') return 'missing_headers';
    if (!/^[0-9a-fA-F]{128}$/.test(signature)) return 'bad_signature';
    if (!/^[0-9]{1,12}$/.test(timestamp)) return 'bad_timestamp';
    const ok = verify(null, Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]), key, Buffer.from(signature, 'hex'));
    if (!ok) return 'bad_signature';
    const ageS = Math.abs(options.clock.now().getTime() / 1000 - Number.parseInt(timestamp, 10));
    if (ageS > options.maxAgeS) return 'stale_timestamp';
    return 'ok';
  };
}
