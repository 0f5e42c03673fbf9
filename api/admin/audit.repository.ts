/**
 * The audit log (`audit_log`): who did what to whom, why, and under which request id.
 * Written in the same transaction as the change it records.
 */
import type { Sequelize, Transaction } from 'sequelize';
import { rows } from '../sql.js';

export interface AuditEntry {
  actorUserId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  reason: string | null;
  details: Record<string, unknown>;
  requestId: string | null;
}

export interface AuditRow {
  id: string;
  actor_user_id: string | null;
  actor_username: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  reason: string | null;
  details: Record<string, unknown>;
  request_id: string | null;
  created_at: Date;
}

export class AuditRepository {
  constructor(private readonly sequelize: Sequelize) {}

  async write(entry: AuditEntry, transaction?: Transaction): Promise<void> {
    await this.sequelize.query(
      `INSERT INTO audit_log (actor_user_id, action, target_type, target_id, reason, details, request_id)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
      {
        bind: [entry.actorUserId, entry.action, entry.targetType, entry.targetId, entry.reason, JSON.stringify(entry.details), entry.requestId],
        ...(transaction === undefined ? {} : { transaction }),
      },
    );
  }

  /** Newest first; filters are exact matches. */
  search(filter: { targetId?: string; action?: string; actorUserId?: string; limit: number; offset: number }): Promise<AuditRow[]> {
    return rows<AuditRow>(
      this.sequelize,
      `SELECT a.id::text AS id, a.actor_user_id, u.username AS actor_username, a.action, a.target_type, a.target_id,
              a.reason, a.details, a.request_id, a.created_at
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
        WHERE ($1::text IS NULL OR a.target_id = $1)
          AND ($2::text IS NULL OR a.action = $2)
          AND ($3::uuid IS NULL OR a.actor_user_id = $3)
        ORDER BY a.created_at DESC, a.id DESC
        LIMIT $4 OFFSET $5`,
      [filter.targetId ?? null, filter.action ?? null, filter.actorUserId ?? null, filter.limit, filter.offset],
    );
  }
}
