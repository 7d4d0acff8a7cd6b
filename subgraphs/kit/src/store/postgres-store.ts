import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { checkTransition, grantCreatedEntry, grantRevokedEntry, grantsForApproval, transitionAuditEntries } from './access-events.js';
import { AUDIT_LOCK_KEY, migratePostgres } from './postgres-migrations.js';
import { isStoreId, newStoreId } from './store-ids.js';
import { checkPage, toIsoInstant } from './store-values.js';
import {
  StoreConflictError, StoreNotFoundError,
  type AccessRequestEvent, type AccessRequestRecord, type AccessRequestState, type AuditAction, type AuditEntry, type AuditEntryInput,
  type GrantRecord, type GraphStore, type SavedCohortRecord,
} from './types.js';

/**
 * The GraphStore on a PostgreSQL server, for deployments that run several replicas or want
 * the database managed apart. A pool of connections; every query parameterised; every
 * multi-statement change in one BEGIN/COMMIT on one connection.
 */

export interface PostgresStoreOptions {
  /** Connections in the pool. Default 10. */
  readonly maxConnections?: number;
  /**
   * Errors of idle pooled connections (e.g. the server restarted). Without a listener pg
   * would crash the process; the next query reports the problem anyway. Default: ignored.
   */
  readonly onBackgroundError?: (error: Error) => void;
}

type Run = <R extends QueryResultRow>(text: string, values?: unknown[]) => Promise<QueryResult<R>>;

interface CohortRow { id: string; criteria: Record<string, unknown>; owner_id: string | null; created_at: Date }
interface RequestRow {
  id: string; requester_id: string; dataset_ids: string[]; purpose: string; cohort_id: string | null;
  state: AccessRequestState; negotiator_url: string | null; created_at: Date; updated_at: Date;
}
interface EventRow { request_id: string; state: AccessRequestState; actor_id: string; at: Date; note: string | null }
interface GrantRow {
  id: string; dataset_id: string; grantee_id: string; expires_at: Date; granted_by: string;
  created_at: Date; request_id: string | null; revoked_at: Date | null;
}
/** bigint columns arrive as strings (they may exceed 2^53); ours never will. */
interface AuditRow {
  sequence: string; actor_id: string; action: AuditAction; dataset_id: string; operation_name: string;
  request_id: string | null; at: Date; detail: string | null;
}

const toCohort = (row: CohortRow): SavedCohortRecord => ({
  id: row.id, criteria: row.criteria, createdAt: row.created_at, ...(row.owner_id !== null && { ownerId: row.owner_id }),
});

const toEvent = (row: EventRow): AccessRequestEvent => ({
  state: row.state, actorId: row.actor_id, at: row.at, ...(row.note !== null && { note: row.note }),
});

const toGrant = (row: GrantRow): GrantRecord => ({
  id: row.id, datasetId: row.dataset_id, granteeId: row.grantee_id, expiresAt: row.expires_at, grantedBy: row.granted_by, createdAt: row.created_at,
  ...(row.request_id !== null && { requestId: row.request_id }),
  ...(row.revoked_at !== null && { revokedAt: row.revoked_at }),
});

const toAudit = (row: AuditRow): AuditEntry => ({
  sequence: Number(row.sequence), actorId: row.actor_id, action: row.action, datasetId: row.dataset_id, operationName: row.operation_name, at: row.at,
  ...(row.request_id !== null && { requestId: row.request_id }),
  ...(row.detail !== null && { detail: row.detail }),
});

const REQUEST_COLUMNS = 'id, requester_id, dataset_ids, purpose, cohort_id, state, negotiator_url, created_at, updated_at';
const GRANT_COLUMNS = 'id, dataset_id, grantee_id, expires_at, granted_by, created_at, request_id, revoked_at';
// Optional filters are NULL-or-match, so the SQL text is fixed and every value a parameter.
const REQUEST_FILTER = '($1::text IS NULL OR requester_id = $1) AND ($2::text[] IS NULL OR state = ANY($2::text[]))';
const GRANT_FILTER = '($1::text IS NULL OR grantee_id = $1) AND ($2::text IS NULL OR dataset_id = $2)';

async function readRequests(run: Run, where: string, values: unknown[]): Promise<AccessRequestRecord[]> {
  const { rows } = await run<RequestRow>(`SELECT ${REQUEST_COLUMNS} FROM access_request WHERE ${where}`, values);
  if (rows.length === 0) return [];
  const events = await run<EventRow>(
    'SELECT request_id, state, actor_id, at, note FROM access_request_event WHERE request_id = ANY($1::uuid[]) ORDER BY seq',
    [rows.map((row) => row.id)],
  );
  const history = new Map<string, AccessRequestEvent[]>();
  for (const event of events.rows) history.set(event.request_id, [...(history.get(event.request_id) ?? []), toEvent(event)]);
  return rows.map((row) => ({
    id: row.id, requesterId: row.requester_id, datasetIds: row.dataset_ids, purpose: row.purpose, state: row.state,
    createdAt: row.created_at, updatedAt: row.updated_at, history: history.get(row.id) ?? [],
    ...(row.cohort_id !== null && { cohortId: row.cohort_id }),
    ...(row.negotiator_url !== null && { negotiatorUrl: row.negotiator_url }),
  }));
}

async function findRequest(run: Run, id: string): Promise<AccessRequestRecord | undefined> {
  return isStoreId(id) ? (await readRequests(run, 'id = $1', [id]))[0] : undefined;
}

async function insertGrants(run: Run, grants: readonly GrantRecord[]): Promise<void> {
  for (const grant of grants) {
    await run(`INSERT INTO access_grant (${GRANT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)`, [
      grant.id, grant.datasetId, grant.granteeId, toIsoInstant(grant.expiresAt), grant.grantedBy, toIsoInstant(grant.createdAt), grant.requestId ?? null,
    ]);
  }
}

/**
 * Appends entries in the caller's transaction. The advisory lock, held to COMMIT, makes
 * appends take sequence numbers in commit order: without it a reader paging by
 * `afterSequence` could pass over a lower number that commits after a higher one.
 */
async function insertAudit(run: Run, entries: readonly AuditEntryInput[]): Promise<void> {
  if (entries.length === 0) return;
  await run('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
  await run(
    `INSERT INTO audit_entry (actor_id, action, dataset_id, operation_name, request_id, at, detail)
     SELECT actor_id, action, dataset_id, operation_name, request_id, at, detail
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[])
       WITH ORDINALITY AS e (actor_id, action, dataset_id, operation_name, request_id, at, detail, n)
     ORDER BY n`,
    [
      entries.map((e) => e.actorId), entries.map((e) => e.action), entries.map((e) => e.datasetId), entries.map((e) => e.operationName),
      entries.map((e) => e.requestId ?? null), entries.map((e) => toIsoInstant(e.at)), entries.map((e) => e.detail ?? null),
    ],
  );
}

/** Opens a pool on `url` and migrates the database. pg is loaded here, so SQLite-only users never load it. */
export async function openPostgresGraphStore(url: string, options: PostgresStoreOptions = {}): Promise<GraphStore> {
  const { default: pg } = await import('pg');
  const pool: Pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10 });
  pool.on('error', (error) => options.onBackgroundError?.(error));
  try {
    const client = await pool.connect();
    try {
      await migratePostgres(client);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw error;
  }

  const viaPool: Run = (text, values) => pool.query(text, values);
  const viaClient = (client: PoolClient): Run => (text, values) => client.query(text, values);

  /** Runs `work` in BEGIN/COMMIT on one connection; ROLLBACK (and nothing kept) if it throws. */
  async function inTransaction<T>(work: (run: Run) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query(begin);
      const result = await work(viaClient(client));
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
        client.release();
      } catch (rollbackError) {
        // A connection that cannot roll back is broken: drop it rather than pool it.
        client.release(rollbackError instanceof Error ? rollbackError : true);
      }
      throw error;
    }
  }
  /** A page and its total from one snapshot. */
  const readSnapshot = <T>(work: (run: Run) => Promise<T>) => inTransaction(work, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');

  let closed = false;

  return {
    kind: 'postgres',

    async saveCohort(input, now) {
      const record: SavedCohortRecord = { id: newStoreId(), criteria: input.criteria, createdAt: now, ...(input.ownerId !== undefined && { ownerId: input.ownerId }) };
      await viaPool('INSERT INTO saved_cohort (id, criteria, owner_id, created_at) VALUES ($1, $2, $3, $4)', [
        record.id, JSON.stringify(input.criteria), input.ownerId ?? null, toIsoInstant(now),
      ]);
      return record;
    },
    async findCohort(id) {
      if (!isStoreId(id)) return undefined;
      const { rows } = await viaPool<CohortRow>('SELECT id, criteria, owner_id, created_at FROM saved_cohort WHERE id = $1', [id]);
      return rows[0] && toCohort(rows[0]);
    },

    async createAccessRequest(input, now) {
      return inTransaction(async (run) => {
        if (input.cohortId !== undefined) {
          const cohort = isStoreId(input.cohortId) ? await run('SELECT 1 FROM saved_cohort WHERE id = $1', [input.cohortId]) : undefined;
          if (!cohort?.rowCount) throw new StoreNotFoundError('The access request names a saved cohort that does not exist.');
        }
        const id = newStoreId();
        const at = toIsoInstant(now);
        await run(`INSERT INTO access_request (id, requester_id, dataset_ids, purpose, cohort_id, state, created_at, updated_at)
                   VALUES ($1, $2, $3, $4, $5, 'SUBMITTED', $6, $6)`, [id, input.requesterId, [...input.datasetIds], input.purpose, input.cohortId ?? null, at]);
        await run(`INSERT INTO access_request_event (request_id, state, actor_id, at) VALUES ($1, 'SUBMITTED', $2, $3)`, [id, input.requesterId, at]);
        return (await findRequest(run, id))!;
      });
    },
    async findAccessRequest(id) {
      return findRequest(viaPool, id);
    },
    async listAccessRequests(filter) {
      checkPage(filter.limit, filter.offset);
      const where = [filter.requesterId ?? null, filter.states && filter.states.length > 0 ? [...filter.states] : null];
      return readSnapshot(async (run) => {
        const items = await readRequests(run, `${REQUEST_FILTER} ORDER BY created_at DESC, seq DESC LIMIT $3 OFFSET $4`, [...where, filter.limit, filter.offset]);
        const count = await run<{ n: string }>(`SELECT count(*) AS n FROM access_request WHERE ${REQUEST_FILTER}`, where);
        return { items, totalCount: Number(count.rows[0]!.n) };
      });
    },
    async transitionAccessRequest(input, now) {
      checkTransition(input, now);
      if (!isStoreId(input.id)) throw new StoreNotFoundError('No such access request.');
      return inTransaction(async (run) => {
        // Compare-and-set: the row lock makes a concurrent move wait, then see the new state.
        const moved = await run<{ requester_id: string; dataset_ids: string[] }>(
          'UPDATE access_request SET state = $3, updated_at = $4 WHERE id = $1 AND state = $2 RETURNING requester_id, dataset_ids',
          [input.id, input.from, input.to, toIsoInstant(now)],
        );
        const request = moved.rows[0];
        if (!request) {
          const current = await run<{ state: AccessRequestState }>('SELECT state FROM access_request WHERE id = $1', [input.id]);
          if (!current.rows[0]) throw new StoreNotFoundError('No such access request.');
          throw new StoreConflictError(`The access request is ${current.rows[0].state}, not ${input.from}.`);
        }
        await run('INSERT INTO access_request_event (request_id, state, actor_id, at, note) VALUES ($1, $2, $3, $4, $5)', [
          input.id, input.to, input.actorId, toIsoInstant(now), input.note ?? null,
        ]);
        const grants = grantsForApproval({ id: input.id, requesterId: request.requester_id, datasetIds: request.dataset_ids }, input, now);
        await insertGrants(run, grants);
        await insertAudit(run, transitionAuditEntries(request.dataset_ids, input, grants, now));
        return { request: (await findRequest(run, input.id))!, grants };
      });
    },
    async setNegotiatorUrl(id, url) {
      const updated = isStoreId(id) ? await viaPool('UPDATE access_request SET negotiator_url = $2 WHERE id = $1', [id, url]) : undefined;
      if (!updated?.rowCount) throw new StoreNotFoundError('No such access request.');
    },

    async createGrant(input, now) {
      const grant: GrantRecord = {
        id: newStoreId(), datasetId: input.datasetId, granteeId: input.granteeId, expiresAt: input.expiresAt, grantedBy: input.grantedBy,
        createdAt: now, ...(input.requestId !== undefined && { requestId: input.requestId }),
      };
      await inTransaction(async (run) => {
        await insertGrants(run, [grant]);
        await insertAudit(run, [grantCreatedEntry(grant, input.operationName)]);
      });
      return grant;
    },
    async revokeGrant(input, now) {
      if (!isStoreId(input.id)) return undefined;
      return inTransaction(async (run) => {
        const revoked = await run<GrantRow>(
          `UPDATE access_grant SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING ${GRANT_COLUMNS}`, [input.id, toIsoInstant(now)]);
        if (revoked.rows[0]) {
          const grant = toGrant(revoked.rows[0]);
          await insertAudit(run, [grantRevokedEntry(grant, input.actorId, input.operationName, now)]);
          return grant;
        }
        // Unknown, or revoked already (by us or a concurrent call): as it is, no second entry.
        const existing = await run<GrantRow>(`SELECT ${GRANT_COLUMNS} FROM access_grant WHERE id = $1`, [input.id]);
        return existing.rows[0] && toGrant(existing.rows[0]);
      });
    },
    async activeGrants(granteeId, now) {
      const { rows } = await viaPool<GrantRow>(
        `SELECT ${GRANT_COLUMNS} FROM access_grant
         WHERE grantee_id = $1 AND expires_at > $2 AND (revoked_at IS NULL OR revoked_at > $2)
         ORDER BY created_at, seq`, [granteeId, toIsoInstant(now)]);
      return rows.map(toGrant);
    },
    async listGrants(filter) {
      checkPage(filter.limit, filter.offset);
      const where = [filter.granteeId ?? null, filter.datasetId ?? null];
      return readSnapshot(async (run) => {
        const items = await run<GrantRow>(`SELECT ${GRANT_COLUMNS} FROM access_grant WHERE ${GRANT_FILTER} ORDER BY created_at DESC, seq DESC LIMIT $3 OFFSET $4`, [...where, filter.limit, filter.offset]);
        const count = await run<{ n: string }>(`SELECT count(*) AS n FROM access_grant WHERE ${GRANT_FILTER}`, where);
        return { items: items.rows.map(toGrant), totalCount: Number(count.rows[0]!.n) };
      });
    },

    async appendAudit(entries) {
      if (entries.length > 0) await inTransaction((run) => insertAudit(run, entries));
    },
    async listAudit(filter) {
      checkPage(filter.limit);
      const { rows } = await viaPool<AuditRow>(
        `SELECT sequence, actor_id, action, dataset_id, operation_name, request_id, at, detail FROM audit_entry
         WHERE ($1::text IS NULL OR dataset_id = $1) AND ($2::text IS NULL OR actor_id = $2) AND sequence > $3
         ORDER BY sequence LIMIT $4`,
        [filter.datasetId ?? null, filter.actorId ?? null, filter.afterSequence ?? 0, filter.limit],
      );
      return rows.map(toAudit);
    },

    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
