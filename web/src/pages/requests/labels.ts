import type { Schemas } from '@surplus/api-client';
import type { BadgeTone } from '../../components/Badge.tsx';

export type Purpose = Schemas['Purpose'];
export type RequestState = Schemas['RequestState'];
export type GrantState = Schemas['GrantState'];

export const PURPOSES: { value: Purpose; label: string; hint: string }[] = [
  { value: 'ci_cd', label: 'CI/CD', hint: 'Build and test runners, release pipelines' },
  { value: 'benchmarking', label: 'Benchmarking', hint: 'Performance work that needs real, quiet hardware' },
  { value: 'labs', label: 'Labs, workshops, POC', hint: 'Short-lived training or proof-of-concept environments' },
  { value: 'hosting', label: 'Hosting, mirror, CDN', hint: 'Package mirrors, download sites, project infrastructure' },
  { value: 'other', label: 'Other', hint: 'Say what in the description' },
];

export function purposeLabel(purpose: Purpose | null): string {
  return PURPOSES.find((p) => p.value === purpose)?.label ?? '—';
}

export const REQUEST_STATES: Record<RequestState, { label: string; tone: BadgeTone }> = {
  draft: { label: 'Draft', tone: 'gray' },
  needs_info: { label: 'Needs info', tone: 'yellow' },
  submitted: { label: 'Submitted', tone: 'blue' },
  in_review: { label: 'In review', tone: 'purple' },
  changes_requested: { label: 'Changes requested', tone: 'yellow' },
  approved: { label: 'Approved', tone: 'green' },
  declined: { label: 'Declined', tone: 'red' },
  withdrawn: { label: 'Withdrawn', tone: 'gray' },
};

/** States the applicant can still change the request in (the server's EDITABLE_STATES). */
export const EDITABLE_STATES: RequestState[] = ['draft', 'needs_info', 'changes_requested'];
/** States a request is still open in and can be withdrawn from. */
export const OPEN_STATES: RequestState[] = ['draft', 'needs_info', 'submitted', 'in_review', 'changes_requested'];
/** States a reviewer decides on (the server's APPROVABLE_STATES). */
export const DECIDABLE_STATES: RequestState[] = ['submitted', 'in_review'];

export const GRANT_STATES: Record<GrantState, { label: string; tone: BadgeTone }> = {
  active: { label: 'Active', tone: 'green' },
  expiring: { label: 'Expiring', tone: 'yellow' },
  expired: { label: 'Expired', tone: 'gray' },
  revoked: { label: 'Revoked', tone: 'red' },
};

export const RUBRIC: { value: Schemas['RubricCriterion']; label: string; hint: string }[] = [
  { value: 'impact', label: 'Impact', hint: 'How much of the ecosystem, and of our products, depends on the project' },
  { value: 'need', label: 'Need', hint: 'Why these servers' },
  { value: 'readiness', label: 'Readiness', hint: 'Can they use them now' },
  { value: 'value', label: 'Value', hint: 'Benefit for the cost' },
];
