import type { Role } from '@cancer-imaging/provider-kit';
import type { AccessRequestState } from '@cancer-imaging/provider-kit';

/**
 * The access-request workflow: who may move a request from which state to which.
 *
 *   SUBMITTED ──startReview──▶ UNDER_REVIEW ──approve──▶ APPROVED (grants created)
 *       │                          │ └──────decline────▶ DECLINED
 *       └──────────decline─────────┼──────────────────▶ DECLINED
 *       └──withdraw (requester)────┴──────────────────▶ WITHDRAWN
 *
 * APPROVED, DECLINED and WITHDRAWN are final: access ends by a grant's expiry or revocation.
 */
export type AccessAction = 'startReview' | 'approve' | 'decline' | 'withdraw';

interface ActionRule {
  readonly from: readonly AccessRequestState[];
  readonly to: AccessRequestState;
  /** Roles allowed; `requester` means the request's own requester, whatever their roles. */
  readonly allowed: readonly (Role | 'requester')[];
}

export const ACCESS_ACTIONS: Readonly<Record<AccessAction, ActionRule>> = {
  startReview: { from: ['SUBMITTED'], to: 'UNDER_REVIEW', allowed: ['committee'] },
  approve: { from: ['UNDER_REVIEW'], to: 'APPROVED', allowed: ['committee'] },
  decline: { from: ['SUBMITTED', 'UNDER_REVIEW'], to: 'DECLINED', allowed: ['committee'] },
  withdraw: { from: ['SUBMITTED', 'UNDER_REVIEW'], to: 'WITHDRAWN', allowed: ['requester'] },
};

/** May this caller take this action on a request of this requester? (State is checked apart.) */
export function mayAct(action: AccessAction, caller: { id?: string; roles: readonly string[] }, requesterId: string): boolean {
  if (caller.id === undefined) return false;
  return ACCESS_ACTIONS[action].allowed.some((who) => (who === 'requester' ? caller.id === requesterId : caller.roles.includes(who)));
}

/** Can the action start from this state? */
export function canStartFrom(action: AccessAction, state: AccessRequestState): boolean {
  return ACCESS_ACTIONS[action].from.includes(state);
}
