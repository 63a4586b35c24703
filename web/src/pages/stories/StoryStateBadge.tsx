import type { Schemas } from '@surplus/api-client';
import { Badge } from '../../components/Badge.tsx';

const LOOKS = {
  draft: { tone: 'gray', label: 'Draft' },
  submitted: { tone: 'blue', label: 'Waiting for staff' },
  published: { tone: 'green', label: 'Published' },
} as const;

export function StoryStateBadge({ state }: { state: Schemas['StoryState'] }) {
  const look = LOOKS[state];
  return <Badge tone={look.tone}>{look.label}</Badge>;
}
