import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AuditEntryInput } from '../store/types.js';
import { AUDIT_FAILED, AUDIT_NOT_CONFIGURED, createRecordAudit, type AuditDestination } from './record-audit.js';

const AT = new Date('2030-01-01T12:00:00Z');
const logger = pino({ level: 'silent' });

function recordingStore(options: { failing?: boolean } = {}) {
  const appends: AuditEntryInput[][] = [];
  return {
    appends,
    async appendAudit(entries: readonly AuditEntryInput[]) {
      if (options.failing) throw new Error('disk full');
      appends.push([...entries]);
    },
  };
}

const auditInto = (destination: AuditDestination) =>
  createRecordAudit({ destination, actorId: 'researcher-1', operationName: 'Browse', requestId: 'req-1', at: AT, logger });

describe('createRecordAudit', () => {
  it('writes one entry per action and dataset of a request, however often it is read', async () => {
    const store = recordingStore();
    const audit = auditInto({ kind: 'store', store });
    await Promise.all([
      audit.record('READ_STUDIES', 'a'), audit.record('READ_STUDIES', 'a'), audit.record('READ_STUDIES', 'b'), audit.record('READ_SERIES', 'a'),
    ]);
    await audit.record('READ_STUDIES', 'a');
    expect(store.appends.flat()).toEqual([
      { actorId: 'researcher-1', action: 'READ_STUDIES', datasetId: 'a', operationName: 'Browse', requestId: 'req-1', at: AT },
      { actorId: 'researcher-1', action: 'READ_STUDIES', datasetId: 'b', operationName: 'Browse', requestId: 'req-1', at: AT },
      { actorId: 'researcher-1', action: 'READ_SERIES', datasetId: 'a', operationName: 'Browse', requestId: 'req-1', at: AT },
    ]);
  });

  it('appends the reads asked for in the same tick in one call', async () => {
    const store = recordingStore();
    const audit = auditInto({ kind: 'store', store });
    await Promise.all(['a', 'b', 'c'].map((dataset) => audit.record('READ_SUBJECTS', dataset)));
    expect(store.appends.map((batch) => batch.length)).toEqual([3]);
  });

  it('resolves only after the store has the entry', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const audit = auditInto({ kind: 'store', store: { appendAudit: () => gate } });
    let recorded = false;
    const pending = audit.record('READ_SUBJECTS', 'a').then(() => { recorded = true; });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(recorded).toBe(false);
    release();
    await pending;
    expect(recorded).toBe(true);
  });

  it('rejects every read of the failed append with INTERNAL, for the whole request', async () => {
    const audit = auditInto({ kind: 'store', store: recordingStore({ failing: true }) });
    const results = await Promise.allSettled([audit.record('READ_SUBJECTS', 'a'), audit.record('READ_SUBJECTS', 'a'), audit.record('READ_SERIES', 'b')]);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as { message: string; extensions: { code: string } };
      expect(error.extensions.code).toBe('INTERNAL');
      expect(error.message).toBe(AUDIT_FAILED);
      expect(error.message).not.toContain('disk full');
    }
    await expect(audit.record('READ_SUBJECTS', 'a')).rejects.toMatchObject({ extensions: { code: 'INTERNAL' } });
  });

  it('refuses every read with FORBIDDEN when no audit log is configured', async () => {
    await expect(auditInto({ kind: 'unconfigured' }).record('READ_SUBJECTS', 'a'))
      .rejects.toMatchObject({ message: AUDIT_NOT_CONFIGURED, extensions: { code: 'FORBIDDEN' } });
  });

  it('lets reads through unrecorded only when auditing was disabled explicitly', async () => {
    await expect(auditInto({ kind: 'disabled' }).record('READ_SUBJECTS', 'a')).resolves.toBeUndefined();
  });
});
