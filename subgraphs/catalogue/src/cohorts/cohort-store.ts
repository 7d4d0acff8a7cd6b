import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SavedCriteria } from './saved-criteria.js';

/** A cohort as saved: the criteria, validated, bound to an id and the time it was saved. */
export interface SavedCohortRecord {
  readonly id: string;
  readonly criteria: SavedCriteria;
  readonly createdAt: Date;
}

/**
 * Where saved cohorts live. Async so a server database can stand behind it; saved
 * cohorts are never rewritten, so there is no update.
 */
export interface CohortStore {
  save(criteria: SavedCriteria, now: Date): Promise<SavedCohortRecord>;
  find(id: string): Promise<SavedCohortRecord | undefined>;
  close(): Promise<void>;
}

/** Ids are random UUIDs: unguessable, so a report link can be shared on purpose only. */
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isCohortId(id: string): boolean {
  return ID_PATTERN.test(id);
}

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE saved_cohort (
     id         TEXT PRIMARY KEY,
     criteria   TEXT NOT NULL,
     created_at TEXT NOT NULL
   ) STRICT`,
];

/**
 * The embedded store: one SQLite file (`:memory:` for tests), created on first use, with
 * schema versions in `user_version` so a newer release migrates an older file in place.
 */
export function openSqliteCohortStore(file: string): CohortStore {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  db.transaction(() => {
    for (const [index, sql] of MIGRATIONS.entries()) if (index >= version) db.exec(sql);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  })();
  const insert = db.prepare('INSERT INTO saved_cohort (id, criteria, created_at) VALUES (?, ?, ?)');
  const select = db.prepare('SELECT id, criteria, created_at AS createdAt FROM saved_cohort WHERE id = ?');

  return {
    async save(criteria, now) {
      const record = { id: randomUUID(), criteria, createdAt: now };
      insert.run(record.id, JSON.stringify(criteria), now.toISOString());
      return record;
    },
    async find(id) {
      if (!isCohortId(id)) return undefined;
      const row = select.get(id) as { id: string; criteria: string; createdAt: string } | undefined;
      return row && { id: row.id, criteria: JSON.parse(row.criteria) as SavedCriteria, createdAt: new Date(row.createdAt) };
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
