import { describe, expect, it } from 'vitest';
import { canStartFrom, mayAct } from './access-state.js';

const researcher = { id: 'r-1', roles: ['researcher'] };
const otherResearcher = { id: 'r-2', roles: ['researcher'] };
const committee = { id: 'c-1', roles: ['committee'] };
const anonymous = { roles: [] };

describe('the access-request workflow', () => {
  it('lets the committee review, approve and decline, and only the requester withdraw', () => {
    expect(mayAct('startReview', committee, 'r-1')).toBe(true);
    expect(mayAct('approve', committee, 'r-1')).toBe(true);
    expect(mayAct('decline', committee, 'r-1')).toBe(true);
    expect(mayAct('withdraw', committee, 'r-1')).toBe(false);
    expect(mayAct('withdraw', researcher, 'r-1')).toBe(true);
    expect(mayAct('withdraw', otherResearcher, 'r-1')).toBe(false);
    expect(mayAct('approve', researcher, 'r-1')).toBe(false);
    for (const action of ['startReview', 'approve', 'decline', 'withdraw'] as const) expect(mayAct(action, anonymous, 'r-1')).toBe(false);
  });

  it('moves only forward: final states take no action, approval needs a review first', () => {
    expect(canStartFrom('approve', 'SUBMITTED')).toBe(false);
    expect(canStartFrom('approve', 'UNDER_REVIEW')).toBe(true);
    expect(canStartFrom('decline', 'SUBMITTED')).toBe(true);
    expect(canStartFrom('withdraw', 'UNDER_REVIEW')).toBe(true);
    for (const state of ['APPROVED', 'DECLINED', 'WITHDRAWN'] as const) {
      for (const action of ['startReview', 'approve', 'decline', 'withdraw'] as const) expect(canStartFrom(action, state)).toBe(false);
    }
  });
});
