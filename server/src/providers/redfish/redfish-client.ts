/**
 * A thin typed Redfish client: service root discovery, session login (falling back to HTTP basic
 * auth), JSON resources, actions and PATCH with ETags, over node:http(s) so that each BMC gets its own
 * TLS trust (a custom CA, or an explicit per-machine "insecure"). No npm Redfish client is maintained.
 *
 * Every request has its own timeout combined with the caller's signal; failures are retried with
 * exponential backoff when that is safe (reads, and writes the BMC certainly did not act on), and
 * surface as ProviderErrors classified by what the caller should do next. Messages name the BMC,
 * the method and path and what went wrong — the enrollment UI shows them as they are. Passwords
 * never appear in them.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ProviderError } from '../types.ts';

export type Json = Record<string, unknown>;

export type RedfishEndpoint = {
  /** Base URL of the BMC, e.g. https://10.0.0.5 or https://bmc-7.example:8443; a path is ignored. */
  url: string;
  username: string | null;
  password: string | null;
  /** PEM of the CA (or the self-signed certificate) that signed the BMC's certificate. */
  caPem: string | null;
  /** Skip certificate verification for this BMC only: an explicit operator decision. */
  isInsecure: boolean;
};

export type RedfishClientOptions = {
  /** The provider name errors carry ('redfish', or 'lab' for the lab's virtual BMC). */
  providerName?: string;
  /** Per request. */
  timeoutMs?: number;
  /** Attempts per request when a retry is safe (1 = no retry). */
  attempts?: number;
  /** Delay before the first retry; doubles each time. */
  backoffMs?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
};

export type AuthMode = 'session' | 'basic' | 'none';

export type RedfishResponse = { status: number; body: Json | null; headers: IncomingHttpHeaders };

type RequestOptions = {
  body?: unknown;
  headers?: Record<string, string>;
  /** Whether a repeat has the same effect as one request (GET, PATCH, DELETE, idempotent actions). */
  isIdempotent?: boolean;
  /** Send no credentials (the service root, the session login itself). */
  isAnonymous?: boolean;
  /** Statuses answered as-is instead of raised (e.g. 428 to fetch an ETag and retry). */
  acceptStatuses?: number[];
};

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BACKOFF_MS = 500;
const MAX_BODY_BYTES = 8 * 1024 * 1024;
export const SERVICE_ROOT = '/redfish/v1/';

const TLS_ERRORS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed and not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'its certificate chain ends in an untrusted self-signed CA',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate is signed by a CA that is not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate is signed by a CA that is not trusted',
  UNABLE_TO_GET_ISSUER_CERT: 'its certificate is signed by a CA that is not trusted',
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: 'its certificate is not valid yet (check the BMC clock)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate is issued for another host name',
  CERT_SIGNATURE_FAILURE: 'its certificate signature does not verify',
  ERR_SSL_WRONG_VERSION_NUMBER: 'it does not speak TLS on this port (try http://, or the right port)',
  EPROTO: 'the TLS handshake failed',
};

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed while sending',
  EAI_AGAIN: 'DNS lookup failed temporarily',
};

/** Redfish's error body: `{ error: { message, "@Message.ExtendedInfo": [{ MessageId, Message }] } }`. */
export function redfishErrorMessage(body: unknown): { message: string | null; messageIds: string[] } {
  const error = (body as { error?: Json } | null)?.error;
  if (!error || typeof error !== 'object') return { message: null, messageIds: [] };
  const infos = Array.isArray(error['@Message.ExtendedInfo']) ? (error['@Message.ExtendedInfo'] as Json[]) : [];
  const messages = infos.map((info) => info.Message).filter((m): m is string => typeof m === 'string');
  const messageIds = infos.map((info) => info.MessageId).filter((m): m is string => typeof m === 'string');
  const message = messages.length > 0 ? messages.join(' ') : typeof error.message === 'string' ? error.message : null;
  return { message, messageIds };
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** An error of one attempt, with whether the BMC can have acted on the request. */
class AttemptError extends Error {
  readonly error: ProviderError;
  readonly isSafeToRepeat: boolean;
  constructor(error: ProviderError, isSafeToRepeat: boolean) {
    super(error.message);
    this.error = error;
    this.isSafeToRepeat = isSafeToRepeat;
  }
}

export class RedfishClient {
  readonly origin: string;
  readonly provider: string;
  private readonly endpoint: RedfishEndpoint;
  private readonly isHttps: boolean;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private token: string | null = null;
  private sessionUri: string | null = null;
  private sessionsPath = '/redfish/v1/SessionService/Sessions';
  /** A login in flight that concurrent requests, all answered 401, wait for together. */
  private renewal: Promise<void> | null = null;
  authMode: AuthMode = 'none';
  root: Json = {};
  /** Whether this BMC answered a PATCH without If-Match with 428/412: later PATCHes send the ETag at once. */
  isIfMatchRequired = false;
  /** Requests that ended in an error so far: a session pool retires a client that failed while leased. */
  failures = 0;

  private constructor(endpoint: RedfishEndpoint, options: RedfishClientOptions) {
    this.provider = options.providerName ?? 'redfish';
    let url: URL;
    try {
      url = new URL(endpoint.url);
    } catch {
      throw new ProviderError(this.provider, 'invalid', `BMC URL "${endpoint.url}" is not a URL (expected https://host[:port])`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new ProviderError(this.provider, 'invalid', `BMC URL "${endpoint.url}" must start with https:// (or http://)`);
    if (url.username || url.password)
      throw new ProviderError(this.provider, 'invalid', 'BMC URL must not carry credentials; give the user and password separately');
    this.origin = url.origin;
    this.isHttps = url.protocol === 'https:';
    this.endpoint = endpoint;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.attempts = Math.max(1, options.attempts ?? DEFAULT_ATTEMPTS);
    this.backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
    this.sleep = options.sleep ?? defaultSleep;
    // One agent per BMC: its TLS trust is this BMC's alone (a custom CA replaces the public roots).
    this.agent = this.isHttps
      ? new HttpsAgent({
          keepAlive: true,
          maxSockets: 4,
          ca: endpoint.caPem ?? undefined,
          rejectUnauthorized: !endpoint.isInsecure,
        })
      : new HttpAgent({ keepAlive: true, maxSockets: 4 });
  }

  /** Reads the service root and logs in: a session when the BMC offers one, otherwise basic auth. */
  static async connect(endpoint: RedfishEndpoint, options: RedfishClientOptions, signal: AbortSignal): Promise<RedfishClient> {
    const client = new RedfishClient(endpoint, options);
    try {
      await client.discover(signal);
      await client.login(signal);
      return client;
    } catch (error) {
      client.agent.destroy();
      throw error;
    }
  }

  private async discover(signal: AbortSignal) {
    let response: RedfishResponse;
    try {
      response = await this.request('GET', SERVICE_ROOT, signal, { isAnonymous: true, isIdempotent: true });
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (error.kind === 'not_found')
        throw new ProviderError(this.provider, 'unsupported', `no Redfish service at ${this.origin}: GET ${SERVICE_ROOT} answered 404`);
      // Some BMCs want credentials even for the service root.
      if (error.kind === 'unauthorized' && this.endpoint.username) {
        this.authMode = 'basic';
        response = await this.request('GET', SERVICE_ROOT, signal, { isIdempotent: true });
      } else throw error;
    }
    const root = response.body;
    if (!root || (typeof root.RedfishVersion !== 'string' && !root.Systems))
      throw new ProviderError(
        this.provider,
        'unsupported',
        `${this.origin}${SERVICE_ROOT} is not a Redfish service root (no RedfishVersion, no Systems)`,
      );
    this.root = root;
    const sessions = ((root.Links as Json | undefined)?.Sessions as Json | undefined)?.['@odata.id'];
    if (typeof sessions === 'string') this.sessionsPath = sessions;
  }

  private async login(signal: AbortSignal) {
    const { username, password } = this.endpoint;
    if (!username) {
      this.authMode = 'none';
      return;
    }
    try {
      // Creating a second session on a retry is harmless (it times out on the BMC).
      const response = await this.request('POST', this.sessionsPath, signal, {
        body: { UserName: username, Password: password ?? '' },
        isAnonymous: true,
        isIdempotent: true,
      });
      const token = header(response.headers, 'x-auth-token');
      if (token) {
        this.token = token;
        this.authMode = 'session';
        const location = header(response.headers, 'location') ?? (response.body?.['@odata.id'] as string | undefined) ?? null;
        this.sessionUri = location ? pathOf(location) : null;
        return;
      }
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (error.kind === 'unauthorized')
        throw new ProviderError(
          this.provider,
          'unauthorized',
          `the BMC at ${this.origin} refused the user "${username}": wrong user name or password, or the account is locked`,
          { cause: error },
        );
      // 400/404/405/501: no usable SessionService; basic auth below.
      if (error.kind !== 'unsupported' && error.kind !== 'not_found' && error.kind !== 'invalid') throw error;
    }
    this.authMode = 'basic';
    const systems = (this.root.Systems as Json | undefined)?.['@odata.id'];
    try {
      await this.get(typeof systems === 'string' ? systems : '/redfish/v1/Systems', signal);
    } catch (error) {
      if (error instanceof ProviderError && error.kind === 'unauthorized')
        throw new ProviderError(
          this.provider,
          'unauthorized',
          `the BMC at ${this.origin} refused the user "${username}" (basic auth; it offers no sessions): wrong user name or password`,
          { cause: error },
        );
      throw error;
    }
  }

  get redfishVersion(): string | null {
    return typeof this.root.RedfishVersion === 'string' ? this.root.RedfishVersion : null;
  }

  /** A resource by its path (an `@odata.id`). */
  async get(path: string, signal: AbortSignal): Promise<Json> {
    const response = await this.request('GET', path, signal, { isIdempotent: true });
    if (!response.body)
      throw new ProviderError(this.provider, 'invalid', `GET ${path} on ${this.origin} answered ${response.status} without a JSON body`);
    return response.body;
  }

  /** A resource with its ETag (from the header, or `@odata.etag` in the body). */
  async getWithEtag(path: string, signal: AbortSignal): Promise<{ body: Json; etag: string | null }> {
    const response = await this.request('GET', path, signal, { isIdempotent: true });
    if (!response.body)
      throw new ProviderError(this.provider, 'invalid', `GET ${path} on ${this.origin} answered ${response.status} without a JSON body`);
    const etag =
      header(response.headers, 'etag') ?? (typeof response.body['@odata.etag'] === 'string' ? response.body['@odata.etag'] : null);
    return { body: response.body, etag };
  }

  /** POSTs an action to the target the BMC advertised (never a guessed URI). */
  async post(path: string, body: unknown, signal: AbortSignal, options: { isIdempotent?: boolean } = {}): Promise<RedfishResponse> {
    return this.request('POST', path, signal, { body, isIdempotent: options.isIdempotent ?? false });
  }

  /**
   * PATCHes a resource. Some BMCs (iDRAC among them) answer 428 without `If-Match`, and 412 when the
   * ETag is stale: then the ETag is fetched and the PATCH sent once more with it. Once this BMC asked
   * for If-Match, `etag` (from the caller's own GET of the resource) goes with the first PATCH, which
   * saves the 428 and the extra GET.
   */
  async patch(path: string, body: unknown, signal: AbortSignal, etag: string | null = null): Promise<RedfishResponse> {
    const headers: Record<string, string> = this.isIfMatchRequired && etag ? { 'if-match': etag } : {};
    const first = await this.request('PATCH', path, signal, { body, headers, isIdempotent: true, acceptStatuses: [412, 428] });
    if (first.status !== 412 && first.status !== 428) return first;
    if (!headers['if-match']) this.isIfMatchRequired = true;
    const { etag: current } = await this.getWithEtag(path, signal);
    if (!current) {
      this.failures++;
      throw new ProviderError(
        this.provider,
        'invalid',
        `PATCH ${path} on ${this.origin} answered ${first.status} (If-Match required) but GET ${path} gave no ETag`,
      );
    }
    return this.request('PATCH', path, signal, { body, isIdempotent: true, headers: { 'if-match': current } });
  }

  async delete(path: string, signal: AbortSignal): Promise<void> {
    await this.request('DELETE', path, signal, { isIdempotent: true });
  }

  /** Logs out (DELETE of the session) and closes the connections; never throws. */
  async close(): Promise<void> {
    try {
      if (this.authMode === 'session' && this.sessionUri) {
        const signal = AbortSignal.timeout(Math.min(this.timeoutMs, 5_000));
        await this.request('DELETE', this.sessionUri, signal, { isIdempotent: true }).catch(() => {});
      }
    } finally {
      this.token = null;
      this.agent.destroy();
    }
  }

  private async request(method: string, path: string, signal: AbortSignal, options: RequestOptions): Promise<RedfishResponse> {
    try {
      return await this.attempt(method, path, signal, options);
    } catch (error) {
      this.failures++;
      throw error;
    }
  }

  /** One request with its bounded retries. */
  private async attempt(method: string, path: string, signal: AbortSignal, options: RequestOptions): Promise<RedfishResponse> {
    let lastError: ProviderError | null = null;
    let hasRenewedSession = false;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) {
        try {
          await this.sleep(this.backoffMs * 2 ** (attempt - 2), signal);
        } catch {
          break;
        }
      }
      const sentToken = this.token;
      try {
        return await this.once(method, path, signal, options);
      } catch (error) {
        if (!(error instanceof AttemptError)) throw error;
        // An expired session: log in again once and repeat (the BMC did not act on a 401).
        if (error.error.kind === 'unauthorized' && this.authMode === 'session' && !options.isAnonymous && !hasRenewedSession) {
          hasRenewedSession = true;
          await this.renewSession(sentToken, signal);
          attempt--;
          continue;
        }
        lastError = error.error;
        const mayRepeat = error.error.kind === 'retryable' && (options.isIdempotent || error.isSafeToRepeat);
        if (!mayRepeat || signal.aborted) throw error.error;
      }
    }
    throw lastError ?? new ProviderError(this.provider, 'retryable', `${method} ${path} on ${this.origin}: cancelled`);
  }

  /**
   * Logs in again after a 401 on `staleToken`. Requests sharing this client (a session pool) may all
   * meet the expiry at once: one login serves them all, and a request that was sent with a token
   * already replaced simply repeats with the new one.
   */
  private async renewSession(staleToken: string | null, signal: AbortSignal): Promise<void> {
    if (this.token !== staleToken && this.token !== null) return;
    if (!this.renewal) {
      this.token = null;
      this.renewal = this.login(signal).finally(() => {
        this.renewal = null;
      });
    }
    await this.renewal;
  }

  private once(method: string, path: string, signal: AbortSignal, options: RequestOptions): Promise<RedfishResponse> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    const url = new URL(path, this.origin);
    const where = `${method} ${url.pathname} on ${this.origin}`;
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const headers: Record<string, string> = {
      accept: 'application/json',
      'odata-version': '4.0',
      'user-agent': 'Surplus',
      ...(payload ? { 'content-type': 'application/json; charset=utf-8', 'content-length': String(payload.length) } : {}),
      ...options.headers,
    };
    if (!options.isAnonymous) {
      if (this.authMode === 'session' && this.token) headers['x-auth-token'] = this.token;
      else if (this.authMode === 'basic' && this.endpoint.username)
        headers.authorization = `Basic ${Buffer.from(`${this.endpoint.username}:${this.endpoint.password ?? ''}`).toString('base64')}`;
    }
    return new Promise<RedfishResponse>((resolve, reject) => {
      let isSent = false;
      const fail = (error: ProviderError, isSafeToRepeat: boolean) => reject(new AttemptError(error, isSafeToRepeat));
      const req = (this.isHttps ? httpsRequest : httpRequest)(url, { method, headers, agent: this.agent, signal: combined }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) res.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', (error) => fail(this.transportError(where, error, timeout, signal), false));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Json | null = null;
          if (text.trim()) {
            try {
              const parsed = JSON.parse(text) as unknown;
              body = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Json) : null;
            } catch {
              if (status >= 200 && status < 300)
                return fail(
                  new ProviderError(
                    this.provider,
                    'unsupported',
                    `${where} answered ${status} with ${res.headers['content-type'] ?? 'no content type'}, not Redfish JSON`,
                  ),
                  false,
                );
            }
          }
          const response = { status, body, headers: res.headers };
          if ((status >= 200 && status < 300) || options.acceptStatuses?.includes(status)) return resolve(response);
          const { error, isSafeToRepeat } = this.statusError(where, response);
          fail(error, isSafeToRepeat);
        });
      });
      req.on('socket', (socket) => {
        // A reused keep-alive socket is already connected; a new one reports when it connects.
        if (!socket.connecting) isSent = true;
        else socket.once('connect', () => (isSent = true));
      });
      req.on('error', (error) => fail(this.transportError(where, error, timeout, signal), !isSent));
      req.end(payload);
    });
  }

  private statusError(where: string, response: RedfishResponse): { error: ProviderError; isSafeToRepeat: boolean } {
    const { status } = response;
    const { message, messageIds } = redfishErrorMessage(response.body);
    const said = message ? `: ${message}` : '';
    const make = (kind: ProviderError['kind'], text: string) => new ProviderError(this.provider, kind, text);
    if (status === 401)
      return {
        error: make(
          'unauthorized',
          `${where} answered 401: the BMC did not accept the credentials of user "${this.endpoint.username ?? ''}"${said}`,
        ),
        isSafeToRepeat: true,
      };
    if (status === 403)
      return {
        error: make('unauthorized', `${where} answered 403: user "${this.endpoint.username ?? ''}" lacks the privilege${said}`),
        isSafeToRepeat: true,
      };
    if (status === 404) return { error: make('not_found', `${where} answered 404: no such resource${said}`), isSafeToRepeat: true };
    if (status === 405 || status === 501)
      return { error: make('unsupported', `${where} answered ${status}: the BMC does not support this${said}`), isSafeToRepeat: true };
    if (status >= 300 && status < 400) {
      const location = header(response.headers, 'location');
      return {
        error: make(
          'invalid',
          `${where} answered ${status}: the BMC redirects${location ? ` to ${location}` : ''}; enroll it with that URL`,
        ),
        isSafeToRepeat: true,
      };
    }
    // 503 and 429 say the BMC did not take the request: safe to repeat even for actions.
    if (status === 503 || status === 429)
      return { error: make('retryable', `${where} answered ${status}: the BMC is busy${said}`), isSafeToRepeat: true };
    if (status >= 500) return { error: make('retryable', `${where} answered ${status}: the BMC failed${said}`), isSafeToRepeat: false };
    const isUnsupported = messageIds.some((id) =>
      /ActionNotSupported|PropertyNotWritable|PropertyUnknown|ValueNotInList|NotSupported/.test(id),
    );
    return {
      error: make(isUnsupported ? 'unsupported' : 'invalid', `${where} answered ${status}${said || ': the BMC rejected the request'}`),
      isSafeToRepeat: true,
    };
  }

  private transportError(where: string, error: unknown, timeout: AbortSignal, signal: AbortSignal): ProviderError {
    if (timeout.aborted && !signal.aborted)
      return new ProviderError(this.provider, 'retryable', `${where}: no answer within ${this.timeoutMs} ms`, { cause: error });
    if (signal.aborted)
      return new ProviderError(this.provider, 'retryable', `${where}: cancelled by the caller (${describeReason(signal.reason)})`, {
        cause: error,
      });
    const code = (error as { code?: string }).code ?? '';
    const tls = TLS_ERRORS[code] ?? (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') ? 'the TLS handshake failed' : null);
    if (tls) {
      const hint = this.endpoint.caPem
        ? 'check that bmc_ca_pem is the CA that signed this BMC’s certificate'
        : 'give the BMC’s CA certificate (bmc_ca_pem), or mark this machine insecure';
      return new ProviderError(this.provider, 'tls', `${where}: TLS failed: ${tls} (${code}); ${hint}`, { cause: error });
    }
    const network = NETWORK_ERRORS[code];
    if (network)
      return new ProviderError(this.provider, 'retryable', `${where}: cannot reach the BMC: ${network} (${code})`, { cause: error });
    if (code === 'ENOTFOUND')
      return new ProviderError(this.provider, 'invalid', `${where}: no such host (DNS lookup of ${new URL(this.origin).hostname} failed)`, {
        cause: error,
      });
    return new ProviderError(this.provider, 'retryable', `${where}: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

/** A Location may be absolute (https://bmc/redfish/v1/...) or a path. */
function pathOf(location: string): string {
  try {
    return new URL(location).pathname;
  } catch {
    return location;
  }
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.name === 'TimeoutError' ? 'step timeout' : reason.message;
  return String(reason ?? 'aborted');
}
