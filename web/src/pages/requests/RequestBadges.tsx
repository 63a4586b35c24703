import type { Schemas } from '@surplus/api-client';
import { Badge } from '../../components/Badge.tsx';
import { Icon } from '../../components/Icon.tsx';
import { GRANT_STATES, type GrantState, REQUEST_STATES, type RequestState } from './labels.ts';

export function RequestStateBadge({ state }: { state: RequestState }) {
  const { label, tone } = REQUEST_STATES[state];
  return <Badge tone={tone}>{label}</Badge>;
}

export function GrantStateBadge({ state }: { state: GrantState }) {
  const { label, tone } = GRANT_STATES[state];
  return <Badge tone={tone}>{label}</Badge>;
}

/** Where a request came from: the web form, or a GitHub issue (with its number). */
export function SourceBadge({ request }: { request: Pick<Schemas['Request'], 'source' | 'github_issue'> }) {
  if (request.source === 'github') {
    return (
      <Badge tone="gray" title="Opened as a GitHub issue in the program's intake repository">
        <Icon name="github" size={12} />
        GitHub{request.github_issue ? ` #${request.github_issue}` : ''}
      </Badge>
    );
  }
  return <Badge tone="gray">Web</Badge>;
}

const CHECK_TONES = {
  pass: { tone: 'green', label: 'Pass', icon: 'check' },
  warn: { tone: 'yellow', label: 'Warning', icon: 'alert' },
  fail: { tone: 'red', label: 'Fail', icon: 'x' },
} as const;

/** One eligibility check: a coloured mark that also says pass/warning/fail in words, and the reason. */
export function CheckRow({ check }: { check: Schemas['EligibilityCheck'] }) {
  const look = CHECK_TONES[check.status];
  return (
    <li className={`check-row check-${check.status}`}>
      <span className="check-mark">
        <Icon name={look.icon} size={14} label={look.label} />
      </span>
      <span>
        <span className="cell-title">{checkName(check.check)}</span>
        <span className="cell-sub">{check.reason}</span>
      </span>
    </li>
  );
}

const CHECK_NAMES: Record<string, string> = {
  project: 'Registered project',
  osi_license: 'OSI-approved licence',
  public_repository: 'Public repository',
  foundation: 'Foundation membership',
  maintainers: 'Maintainers',
  no_other_open_request: 'No other open request',
};

function checkName(check: string): string {
  if (CHECK_NAMES[check]) return CHECK_NAMES[check];
  const text = check.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function VoteTally({ votes }: { votes: Schemas['VoteTally'] }) {
  return (
    <span
      className="vote-tally"
      title={`${votes.up} in favour, ${votes.down} against; ${votes.approvals_required} approving vote${votes.approvals_required === 1 ? '' : 's'} needed`}
    >
      <span className="vote-up">
        <Icon name="thumbsUp" size={13} />
        {votes.up}
      </span>
      <span className="vote-down">
        <Icon name="thumbsDown" size={13} />
        {votes.down}
      </span>
      <span className="visually-hidden">
        {votes.up} in favour, {votes.down} against
      </span>
      {votes.approvals_required > 1 ? (
        <span className="small muted">
          /{votes.approvals_required}
          {votes.meets_vote_rule ? <Icon name="check" size={12} label="meets the two-vote rule" /> : null}
        </span>
      ) : null}
    </span>
  );
}
