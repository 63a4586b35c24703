/**
 * The typed Surplus API client. `schema.gen.ts` is generated from openapi/surplus.json (`npm run
 * generate`); this file only adds authentication and one error type on top of openapi-fetch.
 */
import createFetchClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.gen.ts';

export type { components, paths };
export type Schemas = components['schemas'];

export type ClientOptions = {
  baseUrl: string;
  /** An API token (sps_…); omit in the browser, where the session cookie authenticates. */
  token?: string;
  /** Returns the session's CSRF token, sent on writes; the browser client sets it after sign-in. */
  csrfToken?: () => string | null;
  fetch?: typeof fetch;
  userAgent?: string;
};

export type FieldError = { field: string; message: string };

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldError[];
  readonly requestId: string | null;

  constructor(status: number, body: unknown, requestId: string | null) {
    const error = (body as { error?: { code?: string; message?: string; fields?: FieldError[] } } | undefined)?.error;
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? `HTTP_${status}`;
    this.fields = error?.fields ?? [];
    this.requestId = requestId;
  }
}

export function createClient(options: ClientOptions) {
  const client = createFetchClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    fetch: options.fetch,
    credentials: 'same-origin',
  });
  const auth: Middleware = {
    onRequest({ request }) {
      if (options.token) request.headers.set('authorization', `Bearer ${options.token}`);
      if (options.userAgent) request.headers.set('user-agent', options.userAgent);
      const csrf = options.csrfToken?.();
      if (csrf && request.method !== 'GET' && request.method !== 'HEAD') request.headers.set('x-csrf-token', csrf);
      return request;
    },
  };
  client.use(auth);
  return client;
}

export type Client = ReturnType<typeof createClient>;

/** Returns the data of a call or throws ApiError carrying the API's error code, message and fields. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ApiError(response.status, error, response.headers.get('x-request-id'));
  return data as T;
}
