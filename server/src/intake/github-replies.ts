import { randomUUID } from 'node:crypto';
import type { CatalogService } from '../catalog/catalog.service.ts';
import type { Db, Executor } from '../db/database.ts';
import type { RequestState } from '../db/schema.ts';
import type { Ctx } from '../http/context.ts';
import type { GithubClient } from './github-client.ts';
import type { IntakeRepository } from './intake.repository.ts';
import { parseIssueBody, type RequiredField } from './issue-body.ts';

/** Every comment the bot posts carries this, so its own comments are known when they come back as webhooks. */
export const REPLY_MARKER = '<!-- surplus:reply';

/** The note the intake writes when an issue's closing withdraws its request: no comment on a closed issue. */
export const ISSUE_CLOSED_NOTE = 'The issue was closed on GitHub.';

export const STATE_LABELS: Partial<Record<RequestState, string>> = {
  needs_info: 'surplus:needs-info',
  submitted: 'surplus:submitted',
  in_review: 'surplus:in-review',
  changes_requested: 'surplus:changes-requested',
  approved: 'surplus:approved',
  declined: 'surplus:declined',
  withdrawn: 'surplus:withdrawn',
};
const OUR_LABELS = new Set(Object.values(STATE_LABELS));

const GENERIC_MISSING: Record<RequiredField, string> = {
  name: 'Name: not answered.',
  email: 'Email: not answered.',
  project: 'Project title: not answered.',
  description: 'Project description: not answered.',
  machines: 'Machines: name a plan and a count, e.g. "2 x c3.small.x86".',
  open_source_url: 'Open source project URL: give the repository URL (e.g. https://github.com/owner/repo).',
};

export type GithubReplyPayload = { request_id: string; state: RequestState; key: string; enqueued_at: string; is_quiet: boolean };

/**
 * Tells a GitHub issue's author what happened to their request: a comment and a `surplus:*` label
 * for each state. Enqueued in the transaction that changed the state, posted by the `github_reply`
 * job; the job re-reads the request and posts what is true when it runs, so a crash or a burst of
 * changes ends in one reply for the newest state.
 */
export class GithubReplies {
  private readonly db: Db;
  private readonly intake: IntakeRepository;
  private readonly catalog: CatalogService;
  private readonly client: GithubClient | null;
  private readonly publicUrl: string;

  constructor(db: Db, intake: IntakeRepository, catalog: CatalogService, client: GithubClient | null, publicUrl: string) {
    this.db = db;
    this.intake = intake;
    this.catalog = catalog;
    this.client = client;
    this.publicUrl = publicUrl;
  }

  /**
   * Enqueues a reply for the request's current state, in `tx`; does nothing for requests that did
   * not come from GitHub or when no GitHub token is configured. Other services call this (or hang
   * `onTransition` on RequestsService) when a GitHub request changes state.
   */
  async enqueue(tx: Executor, requestId: string, options: { isQuiet?: boolean } = {}): Promise<boolean> {
    if (!this.client) return false;
    const request = await this.intake.replyContext(tx, requestId);
    if (request?.source !== 'github' || request.github_issue === null || !request.github_repository) return false;
    if (!STATE_LABELS[request.state]) return false;
    await this.intake.enqueueReply(tx, {
      request_id: requestId,
      state: request.state,
      key: randomUUID(),
      enqueued_at: new Date().toISOString(),
      is_quiet: options.isQuiet ?? false,
    });
    return true;
  }

  /** A RequestsService transition listener. */
  readonly onTransition = async (tx: Executor, _ctx: Ctx, change: { requestId: string; note: string | null }) => {
    await this.enqueue(tx, change.requestId, { isQuiet: change.note === ISSUE_CLOSED_NOTE });
  };

  /** The `github_reply` job. Safe to run again: it looks for its own comment before posting. */
  async run(payload: Record<string, unknown>): Promise<string> {
    const job = payload as GithubReplyPayload;
    if (!this.client) return 'skipped: no GitHub token configured';
    const request = await this.intake.replyContext(this.db, String(job.request_id));
    if (!request || request.github_issue === null || !request.github_repository) return 'skipped: request gone';
    // A newer change enqueued its own reply; this one would announce a state that no longer holds.
    if (request.state !== job.state) return `skipped: the request is ${request.state} now`;
    const repository = request.github_repository;
    const issue = request.github_issue;

    if (!job.is_quiet) {
      const marker = `${REPLY_MARKER}:${job.key} -->`;
      // GitHub's clock and ours differ; look back a little further than the enqueue time.
      const since = new Date(Date.parse(job.enqueued_at) - 10 * 60_000).toISOString();
      const earlier = await this.client.listComments(repository, issue, since);
      if (!earlier.some((comment) => comment.body.includes(marker))) {
        await this.client.createComment(repository, issue, `${await this.compose(request)}\n\n${marker}`);
      }
    }

    const wanted = STATE_LABELS[request.state] as string;
    const labels = await this.client.addLabels(repository, issue, [wanted]);
    for (const label of labels) {
      if (label !== wanted && OUR_LABELS.has(label)) await this.client.removeLabel(repository, issue, label);
    }
    return `replied: ${request.state}`;
  }

  private async compose(request: NonNullable<Awaited<ReturnType<IntakeRepository['replyContext']>>>): Promise<string> {
    const author = request.github_author ? `@${request.github_author}` : 'there';
    const link = `${this.publicUrl.replace(/\/+$/, '')}/requests/${request.id}`;
    const footer = `<sub>Request #${request.number} in Surplus: ${link}</sub>`;
    const event = await this.intake.latestEventNote(this.db, request.id, request.state);
    const note = event?.note && event.note !== ISSUE_CLOSED_NOTE ? event.note : null;
    const quote = (text: string) =>
      text
        .split('\n')
        .map((line) => `> ${line}`)
        .join('\n');

    switch (request.state) {
      case 'needs_info': {
        const items = await this.missingItems(request);
        return [
          `Thanks for your request, ${author}! Before the program's reviewers can look at it, it needs these answers:`,
          items.map((item) => `- ${item}`).join('\n'),
          ...(note ? [quote(note)] : []),
          'Edit the issue description to add them: Surplus reads the issue again after every edit.',
          footer,
        ].join('\n\n');
      }
      case 'submitted': {
        const policy = request.policy as { review_target_days?: number };
        const estimate = formatMoney(Number(request.monthly_estimate_cents), request.currency);
        const unmatched = await this.unmatchedLines(request);
        return [
          `Thanks, ${author}: your request is complete and waiting for review as request #${request.number} (about ${estimate} a month at list prices).` +
            (policy.review_target_days ? ` Reviewers aim to answer within ${policy.review_target_days} days.` : ''),
          ...(unmatched.length
            ? [
                `Some machine lines matched nothing in the catalog; a reviewer will check them:\n\n${unmatched.map((line) => `- \`${line.replaceAll('`', "'")}\``).join('\n')}`,
              ]
            : []),
          ...(request.project_id
            ? []
            : [
                `${author}, sign in to Surplus with GitHub to take this request over and register the project: ${this.publicUrl.replace(/\/+$/, '')}/claims`,
              ]),
          footer,
        ].join('\n\n');
      }
      case 'in_review':
        return [`A reviewer has started looking at request #${request.number}.`, footer].join('\n\n');
      case 'changes_requested':
        return [
          `The reviewers asked for changes to request #${request.number}:`,
          quote(note ?? 'See the request in Surplus.'),
          'Edit the issue description (or the request in Surplus); it goes back to the reviewers after the edit.',
          footer,
        ].join('\n\n');
      case 'approved':
        return [
          `Approved 🎉 Request #${request.number} is granted.`,
          ...(request.decision_reason ? [quote(request.decision_reason)] : []),
          "The project's owners can create servers in Surplus now.",
          footer,
        ].join('\n\n');
      case 'declined':
        return [
          `Request #${request.number} was declined.`,
          quote(request.decision_reason ?? note ?? 'No reason was given.'),
          'You are welcome to open a new request when things change.',
          footer,
        ].join('\n\n');
      case 'withdrawn':
        return [`Request #${request.number} was withdrawn.`, ...(note ? [quote(note)] : []), footer].join('\n\n');
      default:
        return footer;
    }
  }

  /** Exactly what is missing, in the words of the parse that decided it. */
  private async missingItems(request: { github_body: string | null; title: string; missing: string[] }): Promise<string[]> {
    if (request.github_body !== null) {
      const parsed = parseIssueBody(request.github_body, await this.catalog.snapshot(), { issueTitle: request.title });
      if (parsed.missing.length > 0) return parsed.missing.map((entry) => entry.message);
    }
    const items = request.missing.map((field) => GENERIC_MISSING[field as RequiredField] ?? `${field}: missing.`);
    return items.length > 0 ? items : ['See the request in Surplus for what the reviewers need.'];
  }

  private async unmatchedLines(request: { id: string }): Promise<string[]> {
    return this.intake.unmatchedLines(this.db, request.id);
  }
}

function formatMoney(cents: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(cents / 100);
  } catch {
    return `${Math.round(cents / 100)} ${currency}`;
  }
}
