/**
 * The few GitHub REST calls the intake bot makes: comment on an issue, list its comments, add and
 * remove labels. The base URL is https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise
 * Server. No npm client: four endpoints do not justify Octokit's dependency tree.
 */

export type GithubApiSettings = {
  /** REST base URL, e.g. https://api.github.com or https://github.example.com/api/v3. */
  url: string;
  /** A token that may comment on and label the intake repositories' issues (fine-grained: Issues read/write). */
  token: string;
  timeoutMs?: number;
  /** Attempts for calls that are safe to repeat (reads, labels); creating a comment is tried once. */
  attempts?: number;
};

export type IssueComment = { id: number; body: string; user: { login: string } | null; created_at: string };

/** What went wrong, by what the caller should do about it (retry later or not), not by status code. */
export class GithubApiError extends Error {
  readonly status: number | null;
  readonly isRetryable: boolean;
  readonly isNotFound: boolean;

  constructor(message: string, status: number | null, isRetryable: boolean) {
    super(message);
    this.name = 'GithubApiError';
    this.status = status;
    this.isRetryable = isRetryable;
    this.isNotFound = status === 404;
  }
}

const API_VERSION = '2022-11-28';
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_ATTEMPTS = 3;

export class GithubClient {
  private readonly baseUrl: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    settings: GithubApiSettings,
    sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.baseUrl = settings.url.replace(/\/+$/, '');
    this.token = settings.token;
    this.timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.attempts = Math.max(1, settings.attempts ?? DEFAULT_ATTEMPTS);
    this.sleep = sleep;
  }

  /**
   * Not repeated on failure: GitHub may have created the comment before the connection broke. The
   * job that calls this looks for its own marker before posting again.
   */
  async createComment(repository: string, issue: number, body: string, signal?: AbortSignal): Promise<IssueComment> {
    return (await this.call('POST', `${issuePath(repository, issue)}/comments`, { body }, 1, signal)) as IssueComment;
  }

  /** Comments updated at or after `since` (one page of 100: a reply is looked for right after it was due). */
  async listComments(repository: string, issue: number, since: string | null, signal?: AbortSignal): Promise<IssueComment[]> {
    const query = new URLSearchParams({ per_page: '100' });
    if (since) query.set('since', since);
    return (await this.call(
      'GET',
      `${issuePath(repository, issue)}/comments?${query}`,
      undefined,
      this.attempts,
      signal,
    )) as IssueComment[];
  }

  /** Adds labels (creating them in the repository if needed); answers every label the issue now has. */
  async addLabels(repository: string, issue: number, labels: string[], signal?: AbortSignal): Promise<string[]> {
    const result = (await this.call('POST', `${issuePath(repository, issue)}/labels`, { labels }, this.attempts, signal)) as {
      name: string;
    }[];
    return result.map((label) => label.name);
  }

  /** Removes a label; a label the issue does not have is already removed. */
  async removeLabel(repository: string, issue: number, label: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.call('DELETE', `${issuePath(repository, issue)}/labels/${encodeURIComponent(label)}`, undefined, this.attempts, signal);
    } catch (error) {
      if (error instanceof GithubApiError && error.isNotFound) return;
      throw error;
    }
  }

  private async call(method: string, path: string, body: unknown, attempts: number, signal?: AbortSignal): Promise<unknown> {
    let lastError: GithubApiError | null = null;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await this.sleep(250 * 4 ** (attempt - 2));
      try {
        return await this.once(method, path, body, signal);
      } catch (error) {
        if (!(error instanceof GithubApiError) || !error.isRetryable || signal?.aborted) throw error;
        lastError = error;
      }
    }
    throw lastError as GithubApiError;
  }

  private async once(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${this.token}`,
          'x-github-api-version': API_VERSION,
          'user-agent': 'Surplus',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      const reason = timeout.aborted ? `timed out after ${this.timeoutMs} ms` : (error as Error).message;
      throw new GithubApiError(`GitHub ${method} ${stripQuery(path)}: ${reason}`, null, !signal?.aborted);
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 200);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {}
      // 429 and secondary rate limits (403 with retry-after) pass; 5xx are GitHub's own trouble.
      const isRateLimited = response.status === 429 || (response.status === 403 && response.headers.has('retry-after'));
      throw new GithubApiError(
        `GitHub ${method} ${stripQuery(path)} answered ${response.status}: ${message}`,
        response.status,
        response.status >= 500 || isRateLimited,
      );
    }
    return text ? JSON.parse(text) : null;
  }
}

function issuePath(repository: string, issue: number) {
  const [owner, name] = repository.split('/');
  return `/repos/${encodeURIComponent(owner ?? '')}/${encodeURIComponent(name ?? '')}/issues/${issue}`;
}

function stripQuery(path: string) {
  return path.split('?')[0];
}
