import type { PoolClient } from 'pg';

/**
 * The PostgreSQL schema, one entry per version; `schema_version` holds a row per version
 * applied. Never edit a released entry: add one.
 */
const STATES = `('SUBMITTED', 'UNDER_REVIEW', 'APPROVED', 'DECLINED', 'WITHDRAWN')`;

/** The database itself refuses to rewrite the history and the audit log, whatever code or client runs. */
const appendOnly = (table: string) => `
  CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
    FOR EACH ROW EXECUTE FUNCTION cig_refuse_rewrite();
  CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
    FOR EACH STATEMENT EXECUTE FUNCTION cig_refuse_rewrite();`;

export const POSTGRES_MIGRATIONS: readonly string[] = [
  `CREATE TABLE saved_cohort (
     id         uuid PRIMARY KEY,
     criteria   json NOT NULL,
     owner_id   text,
     created_at timestamptz NOT NULL
   );

   CREATE TABLE access_request (
     seq            bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
     id             uuid PRIMARY KEY,
     requester_id   text NOT NULL,
     dataset_ids    text[] NOT NULL,
     purpose        text NOT NULL,
     cohort_id      uuid REFERENCES saved_cohort (id),
     state          text NOT NULL CHECK (state IN ${STATES}),
     negotiator_url text,
     created_at     timestamptz NOT NULL,
     updated_at     timestamptz NOT NULL
   );
   CREATE INDEX access_request_by_requester ON access_request (requester_id, created_at);

   CREATE TABLE access_request_event (
     seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     request_id uuid NOT NULL REFERENCES access_request (id),
     state      text NOT NULL CHECK (state IN ${STATES}),
     actor_id   text NOT NULL,
     at         timestamptz NOT NULL,
     note       text
   );
   CREATE INDEX access_request_event_by_request ON access_request_event (request_id, seq);

   CREATE TABLE access_grant (
     seq        bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
     id         uuid PRIMARY KEY,
     dataset_id text NOT NULL,
     grantee_id text NOT NULL,
     expires_at timestamptz NOT NULL,
     granted_by text NOT NULL,
     created_at timestamptz NOT NULL,
     request_id uuid REFERENCES access_request (id),
     revoked_at timestamptz
   );
   CREATE INDEX access_grant_by_grantee ON access_grant (grantee_id, expires_at);
   CREATE INDEX access_grant_by_dataset ON access_grant (dataset_id);

   CREATE TABLE audit_entry (
     sequence       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     actor_id       text NOT NULL,
     action         text NOT NULL,
     dataset_id     text NOT NULL,
     operation_name text NOT NULL,
     request_id     text,
     at             timestamptz NOT NULL,
     detail         text
   );
   CREATE INDEX audit_entry_by_dataset ON audit_entry (dataset_id, sequence);
   CREATE INDEX audit_entry_by_actor ON audit_entry (actor_id, sequence);

   CREATE FUNCTION cig_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
   END
   $$;
   ${appendOnly('audit_entry')}
   ${appendOnly('access_request_event')}`,
];

/**
 * Keys of the transaction-scoped advisory locks the store takes (any bigint, fixed for
 * the schema): one serialises migrations across processes, one serialises audit appends.
 */
export const MIGRATION_LOCK_KEY = '7311202601';
export const AUDIT_LOCK_KEY = '7311202602';

/**
 * Brings the database to the latest version in one transaction. The advisory lock comes
 * first, before even `CREATE TABLE IF NOT EXISTS` (which races with itself), so services
 * starting together migrate once: the others wait, then find the schema current.
 */
export async function migratePostgres(client: PoolClient): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number }>('SELECT coalesce(max(version), 0) AS version FROM schema_version');
    const version = rows[0]?.version ?? 0;
    if (version > POSTGRES_MIGRATIONS.length) {
      throw new Error(`The graph database is at schema version ${version}, newer than this release knows (${POSTGRES_MIGRATIONS.length}): upgrade the service.`);
    }
    for (const [index, sql] of POSTGRES_MIGRATIONS.entries()) {
      if (index < version) continue;
      await client.query(sql);
      await client.query('INSERT INTO schema_version (version) VALUES ($1)', [index + 1]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
