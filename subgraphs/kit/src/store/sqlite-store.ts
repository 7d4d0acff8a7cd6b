import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { checkTransition, grantCreatedEntry, grantRevokedEntry, grantsForApproval, transitionAuditEntries } from './access-events.js';
import { migrateSqlite } from './sqlite-migrations.js';
import { isStoreId, newStoreId } from './store-ids.js';
import { checkPage, toIsoInstant } from './store-values.js';
import {
  StoreConflictError, StoreNotFoundError,
  type AccessRequestEvent, type AccessRequestRecord, type AccessRequestState, type AuditAction, type AuditEntry, type AuditEntryInput,
  type GrantRecord, type GraphStore, type SavedCohortRecord,
} from './types.js';

/**
 * The embedded GraphStore: one SQLite file shared by the catalogue and the kind subgraphs
 * of a deployment (or `:memory:` for tests). WAL lets readers in other processes go on while
 * one writes; busy_timeout makes a writer wait for another process's write instead of
 * failing; every write transaction is IMMEDIATE, taking the write lock before its first
 * read, so a read-then-write never fails half-way on a lock another process took meanwhile.
 */

/** How long a write waits for another process's write lock before failing. */
const BUSY_TIMEOUT_MS = 10_000;

interface CohortRow { id: string; criteria: string; owner_id: string | null; created_at: string }
interface RequestRow {
  id: string; requester_id: string; dataset_ids: string; purpose: string; cohort_id: string | null;
  state: AccessRequestState; negotiator_url: string | null; created_at: string; updated_at: string;
}
interface EventRow { request_id: string; state: AccessRequestState; actor_id: string; at: string; note: string | null }
interface GrantRow {
  id: string; dataset_id: string; grantee_id: string; expires_at: string; granted_by: string;
  created_at: string; request_id: string | null; revoked_at: string | null;
}
interface AuditRow {
  sequence: number; actor_id: string; action: AuditAction; dataset_id: string; operation_name: string;
  request_id: string | null; at: string; detail: string | null;
}

const toCohort = (row: CohortRow): SavedCohortRecord => ({
  id: row.id, criteria: JSON.parse(row.criteria) as Record<string, unknown>, createdAt: new Date(row.created_at),
  ...(row.owner_id !== null && { ownerId: row.owner_id }),
});

const toEvent = (row: EventRow): AccessRequestEvent => ({
  state: row.state, actorId: row.actor_id, at: new Date(row.at), ...(row.note !== null && { note: row.note }),
});

const toGrant = (row: GrantRow): GrantRecord => ({
  id: row.id, datasetId: row.dataset_id, granteeId: row.grantee_id, expiresAt: new Date(row.expires_at), grantedBy: row.granted_by,
  createdAt: new Date(row.created_at),
  ...(row.request_id !== null && { requestId: row.request_id }),
  ...(row.revoked_at !== null && { revokedAt: new Date(row.revoked_at) }),
});

const toAudit = (row: AuditRow): AuditEntry => ({
  sequence: row.sequence, actorId: row.actor_id, action: row.action, datasetId: row.dataset_id, operationName: row.operation_name,
  at: new Date(row.at),
  ...(row.request_id !== null && { requestId: row.request_id }),
  ...(row.detail !== null && { detail: row.detail }),
});

const REQUEST_COLUMNS = 'id, requester_id, dataset_ids, purpose, cohort_id, state, negotiator_url, created_at, updated_at';
const GRANT_COLUMNS = 'id, dataset_id, grantee_id, expires_at, granted_by, created_at, request_id, revoked_at';
// Optional filters are NULL-or-match so one prepared statement serves every combination;
// lists travel as one JSON parameter read with json_each, never spliced into the SQL.
const REQUEST_FILTER = `(@requesterId IS NULL OR requester_id = @requesterId)
  AND (@states IS NULL OR state IN (SELECT value FROM json_each(@states)))`;
const GRANT_FILTER = '(@granteeId IS NULL OR grantee_id = @granteeId) AND (@datasetId IS NULL OR dataset_id = @datasetId)';

/** Opens (creating it and its folder if needed) and migrates the SQLite store at `file`, or `:memory:`. */
export function openSqliteGraphStore(file: string): GraphStore {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    // busy_timeout first: switching to WAL and migrating may wait on another process.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // synchronous stays FULL (the default): a committed grant or audit entry survives a power cut.
    migrateSqlite(db);
  } catch (error) {
    db.close();
    throw error;
  }

  const sql = {
    insertCohort: db.prepare('INSERT INTO saved_cohort (id, criteria, owner_id, created_at) VALUES (?, ?, ?, ?)'),
    selectCohort: db.prepare<[string], CohortRow>('SELECT id, criteria, owner_id, created_at FROM saved_cohort WHERE id = ?'),
    insertRequest: db.prepare(`INSERT INTO access_request (${REQUEST_COLUMNS}) VALUES (?, ?, ?, ?, ?, 'SUBMITTED', NULL, ?, ?)`),
    selectRequest: db.prepare<[string], RequestRow>(`SELECT ${REQUEST_COLUMNS} FROM access_request WHERE id = ?`),
    listRequests: db.prepare<Record<string, unknown>, RequestRow>(
      `SELECT ${REQUEST_COLUMNS} FROM access_request WHERE ${REQUEST_FILTER} ORDER BY created_at DESC, seq DESC LIMIT @limit OFFSET @offset`),
    countRequests: db.prepare<Record<string, unknown>, { n: number }>(`SELECT count(*) AS n FROM access_request WHERE ${REQUEST_FILTER}`),
    setState: db.prepare('UPDATE access_request SET state = @to, updated_at = @now WHERE id = @id AND state = @from'),
    setNegotiatorUrl: db.prepare('UPDATE access_request SET negotiator_url = ? WHERE id = ?'),
    insertEvent: db.prepare('INSERT INTO access_request_event (request_id, state, actor_id, at, note) VALUES (?, ?, ?, ?, ?)'),
    selectEvents: db.prepare<[string], EventRow>(
      'SELECT request_id, state, actor_id, at, note FROM access_request_event WHERE request_id IN (SELECT value FROM json_each(?)) ORDER BY seq'),
    insertGrant: db.prepare(`INSERT INTO access_grant (${GRANT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`),
    selectGrant: db.prepare<[string], GrantRow>(`SELECT ${GRANT_COLUMNS} FROM access_grant WHERE id = ?`),
    revokeGrant: db.prepare('UPDATE access_grant SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    activeGrants: db.prepare<{ granteeId: string; now: string }, GrantRow>(
      `SELECT ${GRANT_COLUMNS} FROM access_grant
       WHERE grantee_id = @granteeId AND expires_at > @now AND (revoked_at IS NULL OR revoked_at > @now)
       ORDER BY created_at, seq`),
    listGrants: db.prepare<Record<string, unknown>, GrantRow>(
      `SELECT ${GRANT_COLUMNS} FROM access_grant WHERE ${GRANT_FILTER} ORDER BY created_at DESC, seq DESC LIMIT @limit OFFSET @offset`),
    countGrants: db.prepare<Record<string, unknown>, { n: number }>(`SELECT count(*) AS n FROM access_grant WHERE ${GRANT_FILTER}`),
    insertAudit: db.prepare(
      'INSERT INTO audit_entry (actor_id, action, dataset_id, operation_name, request_id, at, detail) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    listAudit: db.prepare<Record<string, unknown>, AuditRow>(
      `SELECT sequence, actor_id, action, dataset_id, operation_name, request_id, at, detail FROM audit_entry
       WHERE (@datasetId IS NULL OR dataset_id = @datasetId) AND (@actorId IS NULL OR actor_id = @actorId) AND sequence > @after
       ORDER BY sequence LIMIT @limit`),
  };

  /** Rows to records, with every request's history read in one query. */
  const withHistory = (rows: readonly RequestRow[]): AccessRequestRecord[] => {
    if (rows.length === 0) return [];
    const history = new Map<string, AccessRequestEvent[]>();
    for (const event of sql.selectEvents.all(JSON.stringify(rows.map((row) => row.id)))) {
      history.set(event.request_id, [...(history.get(event.request_id) ?? []), toEvent(event)]);
    }
    return rows.map((row) => ({
      id: row.id, requesterId: row.requester_id, datasetIds: JSON.parse(row.dataset_ids) as string[], purpose: row.purpose,
      state: row.state, createdAt: new Date(row.created_at), updatedAt: new Date(row.updated_at), history: history.get(row.id) ?? [],
      ...(row.cohort_id !== null && { cohortId: row.cohort_id }),
      ...(row.negotiator_url !== null && { negotiatorUrl: row.negotiator_url }),
    }));
  };
  const findRequest = (id: string): AccessRequestRecord | undefined => {
    const row = isStoreId(id) ? sql.selectRequest.get(id) : undefined;
    return row && withHistory([row])[0];
  };
  const insertAudit = (entry: AuditEntryInput): void => {
    sql.insertAudit.run(entry.actorId, entry.action, entry.datasetId, entry.operationName, entry.requestId ?? null, toIsoInstant(entry.at), entry.detail ?? null);
  };
  const insertGrant = (grant: GrantRecord): void => {
    sql.insertGrant.run(grant.id, grant.datasetId, grant.granteeId, toIsoInstant(grant.expiresAt), grant.grantedBy, toIsoInstant(grant.createdAt), grant.requestId ?? null);
  };

  const createRequest = db.transaction((input: Parameters<GraphStore['createAccessRequest']>[0], now: Date): AccessRequestRecord => {
    if (input.cohortId !== undefined && !(isStoreId(input.cohortId) && sql.selectCohort.get(input.cohortId))) {
      throw new StoreNotFoundError('The access request names a saved cohort that does not exist.');
    }
    const id = newStoreId();
    const at = toIsoInstant(now);
    sql.insertRequest.run(id, input.requesterId, JSON.stringify(input.datasetIds), input.purpose, input.cohortId ?? null, at, at);
    sql.insertEvent.run(id, 'SUBMITTED', input.requesterId, at, null);
    return findRequest(id)!;
  });

  const transition = db.transaction((input: Parameters<GraphStore['transitionAccessRequest']>[0], now: Date) => {
    const current = isStoreId(input.id) ? sql.selectRequest.get(input.id) : undefined;
    if (!current) throw new StoreNotFoundError('No such access request.');
    const at = toIsoInstant(now);
    // Compare-and-set: the update only happens if the state is still `from`.
    if (sql.setState.run({ id: input.id, from: input.from, to: input.to, now: at }).changes !== 1) {
      throw new StoreConflictError(`The access request is ${current.state}, not ${input.from}.`);
    }
    sql.insertEvent.run(input.id, input.to, input.actorId, at, input.note ?? null);
    const datasetIds = JSON.parse(current.dataset_ids) as string[];
    const grants = grantsForApproval({ id: input.id, requesterId: current.requester_id, datasetIds }, input, now);
    for (const grant of grants) insertGrant(grant);
    for (const entry of transitionAuditEntries(datasetIds, input, grants, now)) insertAudit(entry);
    return { request: findRequest(input.id)!, grants };
  });

  const createGrant = db.transaction((input: Parameters<GraphStore['createGrant']>[0], now: Date): GrantRecord => {
    const grant: GrantRecord = {
      id: newStoreId(), datasetId: input.datasetId, granteeId: input.granteeId, expiresAt: input.expiresAt, grantedBy: input.grantedBy,
      createdAt: now, ...(input.requestId !== undefined && { requestId: input.requestId }),
    };
    insertGrant(grant);
    insertAudit(grantCreatedEntry(grant, input.operationName));
    return grant;
  });

  const revoke = db.transaction((input: Parameters<GraphStore['revokeGrant']>[0], now: Date): GrantRecord | undefined => {
    const row = isStoreId(input.id) ? sql.selectGrant.get(input.id) : undefined;
    if (!row) return undefined;
    const grant = toGrant(row);
    if (grant.revokedAt) return grant;
    sql.revokeGrant.run(toIsoInstant(now), input.id);
    insertAudit(grantRevokedEntry(grant, input.actorId, input.operationName, now));
    return { ...grant, revokedAt: now };
  });

  const append = db.transaction((entries: readonly AuditEntryInput[]) => { for (const entry of entries) insertAudit(entry); });

  return {
    kind: 'sqlite',

    async saveCohort(input, now) {
      const record: SavedCohortRecord = { id: newStoreId(), criteria: input.criteria, createdAt: now, ...(input.ownerId !== undefined && { ownerId: input.ownerId }) };
      sql.insertCohort.run(record.id, JSON.stringify(input.criteria), input.ownerId ?? null, toIsoInstant(now));
      return record;
    },
    async findCohort(id) {
      const row = isStoreId(id) ? sql.selectCohort.get(id) : undefined;
      return row && toCohort(row);
    },

    async createAccessRequest(input, now) {
      return createRequest.immediate(input, now);
    },
    async findAccessRequest(id) {
      return findRequest(id);
    },
    async listAccessRequests(filter) {
      checkPage(filter.limit, filter.offset);
      const where = {
        requesterId: filter.requesterId ?? null,
        states: filter.states && filter.states.length > 0 ? JSON.stringify(filter.states) : null,
      };
      // One read transaction, so the page and the total describe the same moment.
      return db.transaction(() => ({
        items: withHistory(sql.listRequests.all({ ...where, limit: filter.limit, offset: filter.offset })),
        totalCount: sql.countRequests.get(where)!.n,
      }))();
    },
    async transitionAccessRequest(input, now) {
      checkTransition(input, now);
      return transition.immediate(input, now);
    },
    async setNegotiatorUrl(id, url) {
      if (!isStoreId(id) || sql.setNegotiatorUrl.run(url, id).changes !== 1) throw new StoreNotFoundError('No such access request.');
    },

    async createGrant(input, now) {
      return createGrant.immediate(input, now);
    },
    async revokeGrant(input, now) {
      return revoke.immediate(input, now);
    },
    async activeGrants(granteeId, now) {
      return sql.activeGrants.all({ granteeId, now: toIsoInstant(now) }).map(toGrant);
    },
    async listGrants(filter) {
      checkPage(filter.limit, filter.offset);
      const where = { granteeId: filter.granteeId ?? null, datasetId: filter.datasetId ?? null };
      return db.transaction(() => ({
        items: sql.listGrants.all({ ...where, limit: filter.limit, offset: filter.offset }).map(toGrant),
        totalCount: sql.countGrants.get(where)!.n,
      }))();
    },

    async appendAudit(entries) {
      if (entries.length > 0) append.immediate(entries);
    },
    async listAudit(filter) {
      checkPage(filter.limit);
      return sql.listAudit.all({
        datasetId: filter.datasetId ?? null, actorId: filter.actorId ?? null, after: filter.afterSequence ?? 0, limit: filter.limit,
      }).map(toAudit);
    },

    async close() {
      if (db.open) db.close();
    },
  };
}
