import type { Database } from 'better-sqlite3';

/**
 * The SQLite schema, one entry per version; `PRAGMA user_version` holds how many have run.
 * Never edit a released entry: add one. Version 1 is the catalogue's former saved-cohort
 * file, so a database it wrote migrates in place.
 */
const STATES = `('SUBMITTED', 'UNDER_REVIEW', 'APPROVED', 'DECLINED', 'WITHDRAWN')`;

/** The database itself refuses to rewrite the history and the audit log, whatever code runs. */
const appendOnly = (table: string) => `
  CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;
  CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;`;

export const SQLITE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE saved_cohort (
     id         TEXT PRIMARY KEY,
     criteria   TEXT NOT NULL,
     created_at TEXT NOT NULL
   ) STRICT`,
  `ALTER TABLE saved_cohort ADD COLUMN owner_id TEXT;

   CREATE TABLE access_request (
     seq            INTEGER PRIMARY KEY,
     id             TEXT NOT NULL UNIQUE,
     requester_id   TEXT NOT NULL,
     dataset_ids    TEXT NOT NULL,
     purpose        TEXT NOT NULL,
     cohort_id      TEXT REFERENCES saved_cohort (id),
     state          TEXT NOT NULL CHECK (state IN ${STATES}),
     negotiator_url TEXT,
     created_at     TEXT NOT NULL,
     updated_at     TEXT NOT NULL
   ) STRICT;
   CREATE INDEX access_request_by_requester ON access_request (requester_id, created_at);

   CREATE TABLE access_request_event (
     seq        INTEGER PRIMARY KEY,
     request_id TEXT NOT NULL REFERENCES access_request (id),
     state      TEXT NOT NULL CHECK (state IN ${STATES}),
     actor_id   TEXT NOT NULL,
     at         TEXT NOT NULL,
     note       TEXT
   ) STRICT;
   CREATE INDEX access_request_event_by_request ON access_request_event (request_id, seq);

   CREATE TABLE access_grant (
     seq        INTEGER PRIMARY KEY,
     id         TEXT NOT NULL UNIQUE,
     dataset_id TEXT NOT NULL,
     grantee_id TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     granted_by TEXT NOT NULL,
     created_at TEXT NOT NULL,
     request_id TEXT REFERENCES access_request (id),
     revoked_at TEXT
   ) STRICT;
   CREATE INDEX access_grant_by_grantee ON access_grant (grantee_id, expires_at);
   CREATE INDEX access_grant_by_dataset ON access_grant (dataset_id);

   CREATE TABLE audit_entry (
     sequence       INTEGER PRIMARY KEY AUTOINCREMENT,
     actor_id       TEXT NOT NULL,
     action         TEXT NOT NULL,
     dataset_id     TEXT NOT NULL,
     operation_name TEXT NOT NULL,
     request_id     TEXT,
     at             TEXT NOT NULL,
     detail         TEXT
   ) STRICT;
   CREATE INDEX audit_entry_by_dataset ON audit_entry (dataset_id, sequence);
   CREATE INDEX audit_entry_by_actor ON audit_entry (actor_id, sequence);
   ${appendOnly('audit_entry')}
   ${appendOnly('access_request_event')}`,
];

/**
 * Brings the file to the latest version. The version is read inside an IMMEDIATE
 * transaction (the write lock), so processes opening a new file at once migrate it once:
 * the others wait (busy_timeout), then find it current.
 */
export function migrateSqlite(db: Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SQLITE_MIGRATIONS.length) {
      throw new Error(`The graph database is at schema version ${version}, newer than this release knows (${SQLITE_MIGRATIONS.length}): upgrade the service.`);
    }
    for (const sql of SQLITE_MIGRATIONS.slice(version)) db.exec(sql);
    // user_version takes no bound parameter; the value is our own integer.
    if (version < SQLITE_MIGRATIONS.length) db.pragma(`user_version = ${SQLITE_MIGRATIONS.length}`);
  }).immediate();
}
