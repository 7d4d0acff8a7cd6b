import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCESS_REQUEST_STATES, ACCESS_REQUEST_TRANSITIONS, openGraphStore, StoreConflictError, StoreNotFoundError,
  type AccessRequestRecord, type AccessRequestState, type AuditEntryInput, type GraphStore,
} from '../src/index.js';
import { inChildProcess, STORE_ENGINES, type StoreEngine } from './store-engines.js';

/**
 * One behaviour suite for every GraphStore engine: what the catalogue and the kind
 * subgraphs rely on must hold the same on embedded SQLite and on PostgreSQL.
 */

const T0 = new Date('2026-11-27T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const DAY = 24 * 60;

const open = (url: string) => openGraphStore(url, { defaultSqlitePath: '/nonexistent/graph.sqlite' });

/** Reads everything the store holds through its own API, as a restarted service would. */
async function everything(store: GraphStore, cohortId: string) {
  return {
    cohort: await store.findCohort(cohortId),
    requests: await store.listAccessRequests({ limit: 1000, offset: 0 }),
    grants: await store.listGrants({ limit: 1000, offset: 0 }),
    audit: await store.listAudit({ limit: 1000 }),
  };
}
const EVERYTHING_IN_CHILD = `
  const cohortId = process.env.CIG_TEST_COHORT_ID;
  return {
    cohort: await store.findCohort(cohortId),
    requests: await store.listAccessRequests({ limit: 1000, offset: 0 }),
    grants: await store.listGrants({ limit: 1000, offset: 0 }),
    audit: await store.listAudit({ limit: 1000 }),
  };`;

const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe.each(STORE_ENGINES.map((engine) => [engine.name, engine] as const))('the %s graph store', (_name, engine: StoreEngine) => {
  describe.skipIf(!engine.enabled)('on a fresh database', () => {
    let url: string;
    let store: GraphStore;

    beforeAll(() => engine.setUp());
    afterAll(() => engine.tearDown());
    beforeEach(async () => {
      url = await engine.freshUrl();
      store = await open(url);
      expect(store.kind).toBe(engine.name);
    });
    afterEach(() => store.close());

    /** A request moved along the workflow to `state`, by `committee`. */
    async function requestIn(state: AccessRequestState, datasetIds: readonly string[] = ['site:custom:a', 'site:custom:b']): Promise<AccessRequestRecord> {
      let request = await store.createAccessRequest({ requesterId: 'researcher-1', datasetIds, purpose: 'A study of lung nodules.' }, at(0));
      const path: Record<AccessRequestState, AccessRequestState[]> = {
        SUBMITTED: [], UNDER_REVIEW: ['UNDER_REVIEW'], APPROVED: ['UNDER_REVIEW', 'APPROVED'], DECLINED: ['DECLINED'], WITHDRAWN: ['WITHDRAWN'],
      };
      for (const [step, to] of path[state].entries()) {
        request = (await store.transitionAccessRequest({
          id: request.id, from: request.state, to, actorId: to === 'WITHDRAWN' ? 'researcher-1' : 'committee-1', operationName: 'Setup',
          ...(to === 'APPROVED' && { grants: { expiresAt: at(30 * DAY) } }),
        }, at(step + 1))).request;
      }
      return request;
    }

    describe('saved cohorts', () => {
      it('keeps the criteria, the time and the owner, and finds them by id', async () => {
        const criteria = { cancerTypes: ['LUNG', 'BREAST'], ageAtDiagnosis: { min: 40 }, manufacturers: ['Siemens'] };
        const saved = await store.saveCohort({ criteria, ownerId: 'researcher-1' }, T0);
        expect(saved).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), criteria, createdAt: T0, ownerId: 'researcher-1' });
        expect(await store.findCohort(saved.id)).toEqual(saved);
      });

      it('saves an anonymous cohort without an owner, under a new id each time', async () => {
        const a = await store.saveCohort({ criteria: { sex: ['FEMALE'] } }, T0);
        const b = await store.saveCohort({ criteria: { sex: ['FEMALE'] } }, T0);
        expect(a.id).not.toBe(b.id);
        const found = await store.findCohort(a.id);
        expect(found).toEqual({ id: a.id, criteria: { sex: ['FEMALE'] }, createdAt: T0 });
        expect(found && 'ownerId' in found).toBe(false);
      });

      it('finds nothing for an unknown or a malformed id, without an error', async () => {
        expect(await store.findCohort('00000000-0000-4000-8000-000000000000')).toBeUndefined();
        expect(await store.findCohort("x' OR 1=1 --")).toBeUndefined();
      });
    });

    describe('access requests', () => {
      it('creates a SUBMITTED request with its first history event, and finds it', async () => {
        const cohort = await store.saveCohort({ criteria: { cancerTypes: ['LUNG'] } }, T0);
        const request = await store.createAccessRequest({
          requesterId: 'researcher-1', datasetIds: ['site:custom:a', 'site:xnat:B'], purpose: 'Training a nodule detector.', cohortId: cohort.id,
        }, at(1));
        expect(request).toEqual({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/), requesterId: 'researcher-1', datasetIds: ['site:custom:a', 'site:xnat:B'],
          purpose: 'Training a nodule detector.', cohortId: cohort.id, state: 'SUBMITTED', createdAt: at(1), updatedAt: at(1),
          history: [{ state: 'SUBMITTED', actorId: 'researcher-1', at: at(1) }],
        });
        expect(await store.findAccessRequest(request.id)).toEqual(request);
        expect(await store.findAccessRequest('00000000-0000-4000-8000-000000000000')).toBeUndefined();
        expect(await store.findAccessRequest('not-an-id')).toBeUndefined();
      });

      it('refuses a request naming a saved cohort that does not exist, and keeps nothing', async () => {
        await expect(store.createAccessRequest({ requesterId: 'r', datasetIds: ['d'], purpose: 'p', cohortId: '00000000-0000-4000-8000-000000000000' }, T0))
          .rejects.toBeInstanceOf(StoreNotFoundError);
        await expect(store.createAccessRequest({ requesterId: 'r', datasetIds: ['d'], purpose: 'p', cohortId: 'nonsense' }, T0))
          .rejects.toBeInstanceOf(StoreNotFoundError);
        expect((await store.listAccessRequests({ limit: 10, offset: 0 })).totalCount).toBe(0);
      });

      it('lists newest first (the later of two at the same instant first), by requester and state, a page at a time', async () => {
        const made: AccessRequestRecord[] = [];
        for (const [index, requesterId] of ['alice', 'bob', 'alice', 'alice', 'bob'].entries()) {
          // The last two share an instant: insertion order breaks the tie.
          made.push(await store.createAccessRequest({ requesterId, datasetIds: [`d${index}`], purpose: `p${index}` }, at(Math.min(index, 3))));
        }
        await store.transitionAccessRequest({ id: made[2]!.id, from: 'SUBMITTED', to: 'UNDER_REVIEW', actorId: 'c', operationName: 'o' }, at(10));
        const ids = (items: readonly AccessRequestRecord[]) => items.map((r) => r.id);

        const all = await store.listAccessRequests({ limit: 10, offset: 0 });
        expect(all.totalCount).toBe(5);
        expect(ids(all.items)).toEqual([made[4], made[3], made[2], made[1], made[0]].map((r) => r!.id));
        expect(all.items[2]!.history.map((e) => e.state)).toEqual(['SUBMITTED', 'UNDER_REVIEW']);

        const alice = await store.listAccessRequests({ requesterId: 'alice', limit: 2, offset: 0 });
        expect(alice.totalCount).toBe(3);
        expect(ids(alice.items)).toEqual([made[3]!.id, made[2]!.id]);
        const aliceNext = await store.listAccessRequests({ requesterId: 'alice', limit: 2, offset: 2 });
        expect(ids(aliceNext.items)).toEqual([made[0]!.id]);
        expect((await store.listAccessRequests({ requesterId: 'alice', limit: 2, offset: 4 })).items).toEqual([]);

        const reviewing = await store.listAccessRequests({ states: ['UNDER_REVIEW'], limit: 10, offset: 0 });
        expect(reviewing.totalCount).toBe(1);
        expect(ids(reviewing.items)).toEqual([made[2]!.id]);
        expect((await store.listAccessRequests({ states: ['SUBMITTED', 'UNDER_REVIEW'], requesterId: 'bob', limit: 10, offset: 0 })).totalCount).toBe(2);
        expect((await store.listAccessRequests({ states: [], limit: 10, offset: 0 })).totalCount).toBe(5);
        expect((await store.listAccessRequests({ states: ['APPROVED'], limit: 10, offset: 0 })).totalCount).toBe(0);
        expect((await store.listAccessRequests({ requesterId: 'carol', limit: 10, offset: 0 })).items).toEqual([]);
        await expect(store.listAccessRequests({ limit: -1, offset: 0 })).rejects.toBeInstanceOf(RangeError);
      });

      it('keeps the BBMRI-ERIC Negotiator URL of a request handed over', async () => {
        const request = await requestIn('SUBMITTED');
        await store.setNegotiatorUrl(request.id, 'https://negotiator.example/requests/42');
        expect((await store.findAccessRequest(request.id))?.negotiatorUrl).toBe('https://negotiator.example/requests/42');
        await expect(store.setNegotiatorUrl('00000000-0000-4000-8000-000000000000', 'https://x')).rejects.toBeInstanceOf(StoreNotFoundError);
      });
    });

    describe('transitions', () => {
      const allowed = ACCESS_REQUEST_STATES.flatMap((from) => ACCESS_REQUEST_TRANSITIONS[from].map((to) => [from, to] as const));
      const refused = ACCESS_REQUEST_STATES.flatMap((from) => ACCESS_REQUEST_STATES.filter((to) => !ACCESS_REQUEST_TRANSITIONS[from].includes(to)).map((to) => [from, to] as const));

      it('allows exactly the workflow: forward, never out of a final state', () => {
        expect(allowed).toEqual([
          ['SUBMITTED', 'UNDER_REVIEW'], ['SUBMITTED', 'DECLINED'], ['SUBMITTED', 'WITHDRAWN'],
          ['UNDER_REVIEW', 'APPROVED'], ['UNDER_REVIEW', 'DECLINED'], ['UNDER_REVIEW', 'WITHDRAWN'],
        ]);
      });

      it.each(allowed)('moves %s to %s, appending the event and a state-change audit entry per dataset', async (from, to) => {
        const request = await requestIn(from);
        const auditBefore = (await store.listAudit({ limit: 1000 })).length;
        const { request: moved, grants } = await store.transitionAccessRequest({
          id: request.id, from, to, actorId: 'actor-9', note: 'looked at it', operationName: 'MoveIt', requestId: 'req-123',
          ...(to === 'APPROVED' && { grants: { expiresAt: at(90 * DAY) } }),
        }, at(100));
        expect(moved).toEqual({
          ...request, state: to, updatedAt: at(100),
          history: [...request.history, { state: to, actorId: 'actor-9', at: at(100), note: 'looked at it' }],
        });
        expect(await store.findAccessRequest(request.id)).toEqual(moved);
        expect(grants).toHaveLength(to === 'APPROVED' ? 2 : 0);
        const added = (await store.listAudit({ limit: 1000 })).slice(auditBefore);
        expect(added.filter((e) => e.action === 'REQUEST_STATE_CHANGED')).toEqual(['site:custom:a', 'site:custom:b'].map((datasetId) => ({
          sequence: expect.any(Number), actorId: 'actor-9', action: 'REQUEST_STATE_CHANGED', datasetId, operationName: 'MoveIt', requestId: 'req-123',
          at: at(100), detail: `request=${request.id} from=${from} to=${to}`,
        })));
      });

      it.each(refused)('refuses %s to %s with a conflict, changing nothing', async (from, to) => {
        const request = await requestIn(from);
        const auditBefore = await store.listAudit({ limit: 1000 });
        await expect(store.transitionAccessRequest({
          id: request.id, from, to, actorId: 'c', operationName: 'o', ...(to === 'APPROVED' && { grants: { expiresAt: at(DAY) } }),
        }, at(100))).rejects.toBeInstanceOf(StoreConflictError);
        expect(await store.findAccessRequest(request.id)).toEqual(request);
        expect(await store.listAudit({ limit: 1000 })).toEqual(auditBefore);
      });

      it('is compare-and-set: a move from a state the request has left is a conflict', async () => {
        const request = await requestIn('UNDER_REVIEW');
        // A legal move, but the caller read the request while it was still SUBMITTED.
        await expect(store.transitionAccessRequest({ id: request.id, from: 'SUBMITTED', to: 'WITHDRAWN', actorId: 'researcher-1', operationName: 'o' }, at(50)))
          .rejects.toThrow(/UNDER_REVIEW, not SUBMITTED/);
        expect((await store.findAccessRequest(request.id))?.state).toBe('UNDER_REVIEW');
      });

      it('lets exactly one of two simultaneous decisions win', async () => {
        const request = await requestIn('UNDER_REVIEW');
        const results = await Promise.allSettled([
          store.transitionAccessRequest({ id: request.id, from: 'UNDER_REVIEW', to: 'APPROVED', actorId: 'c1', operationName: 'Approve', grants: { expiresAt: at(DAY) } }, at(60)),
          store.transitionAccessRequest({ id: request.id, from: 'UNDER_REVIEW', to: 'DECLINED', actorId: 'c2', operationName: 'Decline' }, at(60)),
          store.transitionAccessRequest({ id: request.id, from: 'UNDER_REVIEW', to: 'WITHDRAWN', actorId: 'researcher-1', operationName: 'Withdraw' }, at(60)),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const lost of results.filter((r) => r.status === 'rejected')) expect(lost.reason).toBeInstanceOf(StoreConflictError);
        const final = (await store.findAccessRequest(request.id))!;
        expect(final.history.map((e) => e.state)).toEqual(['SUBMITTED', 'UNDER_REVIEW', final.state]);
        expect((await store.listGrants({ limit: 10, offset: 0 })).totalCount).toBe(final.state === 'APPROVED' ? 2 : 0);
      });

      it('finds no request for an unknown or malformed id', async () => {
        for (const id of ['00000000-0000-4000-8000-000000000000', 'nope']) {
          await expect(store.transitionAccessRequest({ id, from: 'SUBMITTED', to: 'UNDER_REVIEW', actorId: 'c', operationName: 'o' }, T0))
            .rejects.toBeInstanceOf(StoreNotFoundError);
        }
      });

      it('refuses an approval without an expiry in the future, before changing anything', async () => {
        const request = await requestIn('UNDER_REVIEW');
        await expect(store.transitionAccessRequest({ id: request.id, from: 'UNDER_REVIEW', to: 'APPROVED', actorId: 'c', operationName: 'o' }, at(10)))
          .rejects.toBeInstanceOf(TypeError);
        await expect(store.transitionAccessRequest({ id: request.id, from: 'UNDER_REVIEW', to: 'APPROVED', actorId: 'c', operationName: 'o', grants: { expiresAt: at(10) } }, at(10)))
          .rejects.toBeInstanceOf(RangeError);
        expect(await store.findAccessRequest(request.id)).toEqual(request);
      });
    });

    describe('approval', () => {
      it('creates one grant per dataset for the requester, and audits the change and each grant', async () => {
        const request = await requestIn('UNDER_REVIEW', ['site:custom:a', 'site:xnat:B', 'site:custom:a']);
        const before = (await store.listAudit({ limit: 1000 })).length;
        const { request: approved, grants } = await store.transitionAccessRequest({
          id: request.id, from: 'UNDER_REVIEW', to: 'APPROVED', actorId: 'committee-1', operationName: 'ApproveAccessRequest', requestId: 'req-7',
          grants: { expiresAt: at(30 * DAY) },
        }, at(60));
        expect(approved.state).toBe('APPROVED');
        expect(grants).toEqual(['site:custom:a', 'site:xnat:B'].map((datasetId) => ({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/), datasetId, granteeId: 'researcher-1', expiresAt: at(30 * DAY), grantedBy: 'committee-1',
          createdAt: at(60), requestId: request.id,
        })));
        expect(await store.activeGrants('researcher-1', at(61))).toEqual(grants);
        const added = (await store.listAudit({ limit: 1000 })).slice(before);
        expect(added.map((e) => [e.action, e.datasetId])).toEqual([
          ['REQUEST_STATE_CHANGED', 'site:custom:a'], ['REQUEST_STATE_CHANGED', 'site:xnat:B'],
          ['GRANT_CREATED', 'site:custom:a'], ['GRANT_CREATED', 'site:xnat:B'],
        ]);
        expect(added.slice(2)).toEqual(grants.map((grant) => expect.objectContaining({
          actorId: 'committee-1', operationName: 'ApproveAccessRequest', requestId: 'req-7', at: at(60),
          detail: `grant=${grant.id} request=${request.id} expires=${at(30 * DAY).toISOString()}`,
        })));
      });

      it('keeps nothing of an approval that fails half-way: no state, no event, no grant, no audit entry', async () => {
        const request = await requestIn('UNDER_REVIEW', ['site:custom:a', 'site:custom:poison']);
        const auditBefore = await store.listAudit({ limit: 1000 });
        // The first grant is written, the second fails inside the database.
        await engine.failGrantsFor(url, 'site:custom:poison');
        await expect(store.transitionAccessRequest({
          id: request.id, from: 'UNDER_REVIEW', to: 'APPROVED', actorId: 'c', operationName: 'o', grants: { expiresAt: at(DAY) },
        }, at(60))).rejects.toThrow(/injected fault/);
        expect(await store.findAccessRequest(request.id)).toEqual(request);
        expect(await store.listGrants({ limit: 10, offset: 0 })).toEqual({ items: [], totalCount: 0 });
        expect(await store.activeGrants('researcher-1', at(61))).toEqual([]);
        expect(await store.listAudit({ limit: 1000 })).toEqual(auditBefore);
        // The store is still usable, and the same decision can be taken again.
        await engine.raw(url, 'DROP TRIGGER test_fault' + (engine.name === 'postgres' ? ' ON access_grant' : ''));
        const retried = await store.transitionAccessRequest({
          id: request.id, from: 'UNDER_REVIEW', to: 'APPROVED', actorId: 'c', operationName: 'o', grants: { expiresAt: at(DAY) },
        }, at(61));
        expect(retried.grants).toHaveLength(2);
      });
    });

    describe('grants', () => {
      it('are active until they expire or are revoked, and revocation is audited once', async () => {
        const grant = await store.createGrant({ datasetId: 'site:custom:a', granteeId: 'alice', expiresAt: at(60), grantedBy: 'admin-1', operationName: 'GrantAccess' }, T0);
        const other = await store.createGrant({ datasetId: 'site:custom:b', granteeId: 'alice', expiresAt: at(120), grantedBy: 'admin-1', operationName: 'GrantAccess' }, at(1));
        await store.createGrant({ datasetId: 'site:custom:a', granteeId: 'bob', expiresAt: at(120), grantedBy: 'admin-1', operationName: 'GrantAccess' }, at(2));
        expect(grant).toEqual({ id: expect.any(String), datasetId: 'site:custom:a', granteeId: 'alice', expiresAt: at(60), grantedBy: 'admin-1', createdAt: T0 });

        expect(await store.activeGrants('alice', at(30))).toEqual([grant, other]);
        expect(await store.activeGrants('alice', at(60))).toEqual([other]); // expiry is exclusive
        expect(await store.activeGrants('alice', at(120))).toEqual([]);
        expect(await store.activeGrants('carol', at(30))).toEqual([]);

        const revoked = await store.revokeGrant({ id: other.id, actorId: 'committee-1', operationName: 'RevokeGrant' }, at(40));
        expect(revoked).toEqual({ ...other, revokedAt: at(40) });
        expect(await store.activeGrants('alice', at(50))).toEqual([grant]);
        // A check for an instant before the revocation still counts the grant as active then.
        expect(await store.activeGrants('alice', at(30))).toEqual([grant, revoked]);
        expect(await store.revokeGrant({ id: other.id, actorId: 'committee-2', operationName: 'RevokeGrant' }, at(45))).toEqual(revoked);
        expect(await store.revokeGrant({ id: '00000000-0000-4000-8000-000000000000', actorId: 'c', operationName: 'o' }, at(45))).toBeUndefined();
        expect(await store.revokeGrant({ id: 'nope', actorId: 'c', operationName: 'o' }, at(45))).toBeUndefined();

        const audit = await store.listAudit({ limit: 100 });
        expect(audit.map((e) => [e.action, e.actorId, e.datasetId, e.operationName])).toEqual([
          ['GRANT_CREATED', 'admin-1', 'site:custom:a', 'GrantAccess'],
          ['GRANT_CREATED', 'admin-1', 'site:custom:b', 'GrantAccess'],
          ['GRANT_CREATED', 'admin-1', 'site:custom:a', 'GrantAccess'],
          ['GRANT_REVOKED', 'committee-1', 'site:custom:b', 'RevokeGrant'],
        ]);
        expect(audit[3]).toMatchObject({ at: at(40), detail: `grant=${other.id}` });
      });

      it('list newest first, by grantee or dataset, a page at a time', async () => {
        const made = [];
        for (const [index, [granteeId, datasetId]] of [['alice', 'd1'], ['bob', 'd1'], ['alice', 'd2'], ['alice', 'd1']].entries()) {
          made.push(await store.createGrant({ datasetId: datasetId!, granteeId: granteeId!, expiresAt: at(DAY), grantedBy: 'a', operationName: 'o' }, at(index)));
        }
        const ids = (page: { items: readonly { id: string }[] }) => page.items.map((g) => g.id);
        expect(ids(await store.listGrants({ limit: 10, offset: 0 }))).toEqual([made[3], made[2], made[1], made[0]].map((g) => g!.id));
        expect(await store.listGrants({ granteeId: 'alice', limit: 2, offset: 1 })).toEqual({ items: [made[2], made[0]], totalCount: 3 });
        expect(await store.listGrants({ datasetId: 'd1', granteeId: 'alice', limit: 10, offset: 0 })).toEqual({ items: [made[3], made[0]], totalCount: 2 });
        expect(await store.listGrants({ datasetId: 'd9', limit: 10, offset: 0 })).toEqual({ items: [], totalCount: 0 });
      });
    });

    describe('the audit log', () => {
      const entry = (n: number, over: Partial<AuditEntryInput> = {}): AuditEntryInput => ({
        actorId: n % 2 ? 'alice' : 'bob', action: 'READ_SERIES', datasetId: n % 3 ? 'site:custom:a' : 'site:custom:b',
        operationName: `Op${n}`, at: at(n), ...over,
      });

      it('keeps entries in the order appended, with ascending sequence numbers, and reads them by dataset, actor and cursor', async () => {
        await store.appendAudit([entry(1, { requestId: 'req-1', detail: 'series=3' }), entry(2), entry(3)]);
        await store.appendAudit([]);
        await store.appendAudit([entry(4), entry(5, { action: 'ISSUE_RETRIEVE_LINK' })]);
        const all = await store.listAudit({ limit: 100 });
        expect(all.map((e) => e.operationName)).toEqual(['Op1', 'Op2', 'Op3', 'Op4', 'Op5']);
        const sequences = all.map((e) => e.sequence);
        expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
        expect(new Set(sequences).size).toBe(5);
        expect(all[0]).toEqual({ sequence: sequences[0], actorId: 'alice', action: 'READ_SERIES', datasetId: 'site:custom:a', operationName: 'Op1', at: at(1), requestId: 'req-1', detail: 'series=3' });
        expect(all[1] && ('requestId' in all[1] || 'detail' in all[1])).toBe(false);

        expect((await store.listAudit({ datasetId: 'site:custom:b', limit: 100 })).map((e) => e.operationName)).toEqual(['Op3']);
        expect((await store.listAudit({ actorId: 'alice', limit: 100 })).map((e) => e.operationName)).toEqual(['Op1', 'Op3', 'Op5']);
        expect((await store.listAudit({ actorId: 'alice', datasetId: 'site:custom:a', limit: 100 })).map((e) => e.operationName)).toEqual(['Op1', 'Op5']);
        expect((await store.listAudit({ afterSequence: sequences[1], limit: 2 })).map((e) => e.operationName)).toEqual(['Op3', 'Op4']);
        expect(await store.listAudit({ afterSequence: sequences[4], limit: 10 })).toEqual([]);
      });

      it('appends all of a batch or none of it', async () => {
        await expect(store.appendAudit([entry(1), entry(2, { at: new Date(Number.NaN) })])).rejects.toBeInstanceOf(RangeError);
        expect(await store.listAudit({ limit: 10 })).toEqual([]);
      });

      it('is append-only in the database itself: UPDATE, DELETE (and the history likewise) are refused', async () => {
        await store.appendAudit([entry(1), entry(2)]);
        await requestIn('UNDER_REVIEW');
        const before = await store.listAudit({ limit: 100 });
        const history = await store.listAccessRequests({ limit: 10, offset: 0 });
        await expect(engine.raw(url, "UPDATE audit_entry SET actor_id = 'mallory'")).rejects.toThrow(/append-only/);
        await expect(engine.raw(url, 'DELETE FROM audit_entry')).rejects.toThrow(/append-only/);
        await expect(engine.raw(url, "UPDATE access_request_event SET actor_id = 'mallory'")).rejects.toThrow(/append-only/);
        await expect(engine.raw(url, 'DELETE FROM access_request_event')).rejects.toThrow(/append-only/);
        if (engine.name === 'postgres') await expect(engine.raw(url, 'TRUNCATE audit_entry')).rejects.toThrow(/append-only/);
        expect(await store.listAudit({ limit: 100 })).toEqual(before);
        expect(await store.listAccessRequests({ limit: 10, offset: 0 })).toEqual(history);
        // Appending still works: only rewriting is refused.
        await engine.raw(url, "INSERT INTO audit_entry (actor_id, action, dataset_id, operation_name, at) VALUES ('x', 'READ_SERIES', 'd', 'o', '2026-11-27T10:00:00.000Z')");
        expect(await store.listAudit({ limit: 100 })).toHaveLength(before.length + 1);
      });
    });

    describe('durability and schema', () => {
      /** A bit of everything: a cohort, an approved request, a revoked grant, reads in the log. */
      async function populate(): Promise<string> {
        const cohort = await store.saveCohort({ criteria: { cancerTypes: ['PROSTATE'], yearOfDiagnosis: { min: 2015, max: 2020 } }, ownerId: 'researcher-1' }, T0);
        const request = await store.createAccessRequest({ requesterId: 'researcher-1', datasetIds: ['site:custom:a', 'site:xnat:B'], purpose: 'Prostate MRI segmentation.', cohortId: cohort.id }, at(1));
        await store.setNegotiatorUrl(request.id, 'https://negotiator.example/requests/7');
        await store.transitionAccessRequest({ id: request.id, from: 'SUBMITTED', to: 'UNDER_REVIEW', actorId: 'committee-1', operationName: 'StartAccessReview' }, at(2));
        const { grants } = await store.transitionAccessRequest({
          id: request.id, from: 'UNDER_REVIEW', to: 'APPROVED', actorId: 'committee-1', note: 'ok', operationName: 'ApproveAccessRequest', grants: { expiresAt: at(30 * DAY) },
        }, at(3));
        await store.createAccessRequest({ requesterId: 'researcher-2', datasetIds: ['site:custom:a'], purpose: 'Another one.' }, at(4));
        await store.revokeGrant({ id: grants[1]!.id, actorId: 'committee-1', operationName: 'RevokeGrant' }, at(5));
        await store.appendAudit([
          { actorId: 'researcher-1', action: 'READ_SERIES', datasetId: 'site:custom:a', operationName: 'Browse', requestId: 'req-9', at: at(6) },
          { actorId: 'researcher-1', action: 'RETRIEVE_SERIES', datasetId: 'site:custom:a', operationName: 'GET /retrieve', at: at(7), detail: 'series=1' },
        ]);
        return cohort.id;
      }

      it('keeps every cohort, request, history event, grant and audit entry across a close and reopen', async () => {
        const cohortId = await populate();
        const written = await everything(store, cohortId);
        expect(written.requests.totalCount).toBe(2);
        expect(written.grants.totalCount).toBe(2);
        expect(written.audit).toHaveLength(9);
        await store.close();
        store = await open(url);
        expect(await everything(store, cohortId)).toEqual(written);
        expect(await store.activeGrants('researcher-1', at(10))).toEqual([written.grants.items[1]]);
      });

      it('keeps it all for a new process reading the same database', async () => {
        const cohortId = await populate();
        const written = json(await everything(store, cohortId));
        await store.close();
        expect(await inChildProcess(url, EVERYTHING_IN_CHILD, { CIG_TEST_COHORT_ID: cohortId })).toEqual(written);
        store = await open(url);
      });

      it('migrates once: reopening a current database changes nothing', async () => {
        const cohortId = await populate();
        const version = await engine.schemaVersion(url);
        expect(version).toBeGreaterThan(0);
        const written = await everything(store, cohortId);
        await store.close();
        for (let n = 0; n < 3; n += 1) {
          store = await open(url);
          await store.close();
        }
        store = await open(url);
        expect(await engine.schemaVersion(url)).toBe(version);
        expect(await everything(store, cohortId)).toEqual(written);
      });

      it('refuses to open a database a newer release has migrated', async () => {
        await store.close();
        await engine.pretendNewerSchema(url);
        await expect(open(url)).rejects.toThrow(/newer than this release/);
        store = await open(await engine.freshUrl());
      });

      it('lets several processes open a new database at once and write to it together', async () => {
        await store.close();
        const fresh = await engine.freshUrl();
        const writer = `
          for (let n = 0; n < 25; n += 1) {
            await store.appendAudit([{ actorId: process.env.CIG_TEST_WRITER, action: 'READ_STUDIES', datasetId: 'd', operationName: 'o' + n, at: new Date() }]);
          }
          return (await store.listAudit({ limit: 1000 })).length;`;
        const writers = ['w1', 'w2', 'w3', 'w4'];
        await Promise.all(writers.map((name) => inChildProcess(fresh, writer, { CIG_TEST_WRITER: name })));
        store = await open(fresh);
        const entries = await store.listAudit({ limit: 1000 });
        expect(entries).toHaveLength(100);
        expect(new Set(entries.map((e) => e.sequence)).size).toBe(100);
        for (const name of writers) {
          // Each writer's entries appear in the order it wrote them.
          expect(entries.filter((e) => e.actorId === name).map((e) => e.operationName)).toEqual(Array.from({ length: 25 }, (_, n) => `o${n}`));
        }
        expect(await engine.schemaVersion(fresh)).toBe(await engine.schemaVersion(url));
        expect(await engine.rawNumber(fresh, "SELECT count(*) FROM audit_entry WHERE action = 'READ_STUDIES'")).toBe(100);
      });
    });
  });
});
