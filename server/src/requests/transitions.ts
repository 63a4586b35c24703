import type { RequestState } from '../db/schema.ts';

/** Which state may follow which. Decisions (approved, declined, withdrawn) are final. */
const ALLOWED: Record<RequestState, RequestState[]> = {
  draft: ['submitted', 'needs_info', 'withdrawn'],
  needs_info: ['submitted', 'withdrawn', 'declined'],
  submitted: ['in_review', 'needs_info', 'changes_requested', 'approved', 'declined', 'withdrawn'],
  in_review: ['changes_requested', 'approved', 'declined', 'withdrawn'],
  changes_requested: ['submitted', 'needs_info', 'withdrawn', 'declined'],
  approved: [],
  declined: [],
  withdrawn: [],
};

export const OPEN_STATES: RequestState[] = ['draft', 'needs_info', 'submitted', 'in_review', 'changes_requested'];
export const EDITABLE_STATES: RequestState[] = ['draft', 'needs_info', 'changes_requested'];

export function canTransition(from: RequestState, to: RequestState): boolean {
  return ALLOWED[from].includes(to);
}

export function isDecided(state: RequestState): boolean {
  return ALLOWED[state].length === 0;
}
