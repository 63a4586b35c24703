import { z } from 'zod';

export const PURPOSES = ['ci_cd', 'benchmarking', 'labs', 'hosting', 'other'] as const;
export const Purpose = z
  .enum(PURPOSES)
  .meta({ id: 'Purpose', description: 'ci_cd, benchmarking, labs (workshops/POC), hosting (mirror/CDN), other.' });
export const REQUEST_STATES = [
  'draft',
  'needs_info',
  'submitted',
  'in_review',
  'changes_requested',
  'approved',
  'declined',
  'withdrawn',
] as const;
export const RequestState = z.enum(REQUEST_STATES).meta({ id: 'RequestState' });
