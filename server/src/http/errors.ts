/**
 * The one registry of error codes the API answers with. Clients branch on `code`; `message` is for
 * people. Keep codes stable: they are part of the contract.
 */
export const ERRORS = {
  ERR_VALIDATION: { status: 400, message: 'The request is not valid.' },
  ERR_MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  ERR_BAD_REQUEST: { status: 400, message: 'The request cannot be processed.' },
  ERR_UNAUTHENTICATED: { status: 401, message: 'Sign in or send an API token.' },
  ERR_INVALID_CREDENTIALS: { status: 401, message: 'The email or password is wrong.' },
  ERR_CSRF: { status: 403, message: 'The CSRF token is missing or wrong; reload the page.' },
  ERR_FORBIDDEN: { status: 403, message: 'You are not allowed to do this.' },
  ERR_SIGNUP_CLOSED: { status: 403, message: 'Sign-up is closed on this Surplus; ask an admin for an account.' },
  ERR_EMAIL_UNVERIFIED: {
    status: 403,
    message:
      'Verify your email address first (follow the link Surplus emailed you, or send a new one), or open the link in the invitation email.',
  },
  ERR_VERIFICATION_INVALID: {
    status: 400,
    message: 'This verification link is not valid; open the latest one Surplus emailed you, or send a new one.',
  },
  ERR_NOT_FOUND: { status: 404, message: 'Not found.' },
  ERR_GRANT_LIMIT: { status: 403, message: 'The project’s grant does not allow this.' },
  ERR_GRANT_EXHAUSTED: { status: 403, message: 'The grant used its monthly credit; new servers wait for next month.' },
  ERR_NO_GRANT: { status: 403, message: 'The project has no active grant; request resources first.' },
  ERR_NO_CAPACITY: { status: 409, message: 'No machine of that plan is available in that metro right now.' },
  ERR_CONFLICT: { status: 409, message: 'The request conflicts with the current state.' },
  ERR_OVER_BUDGET: {
    status: 409,
    message: 'Approving this needs more than the program has left this fiscal year; an admin can approve it with override_reason.',
  },
  ERR_VOTES_NEEDED: { status: 409, message: 'The program’s two-vote rule needs two +1 votes from different reviewers and no −1.' },
  ERR_SLUG_TAKEN: { status: 409, message: 'That slug is already taken.' },
  ERR_EMAIL_TAKEN: { status: 409, message: 'An account with that email already exists.' },
  ERR_LAST_OWNER: { status: 409, message: 'A project needs at least one owner.' },
  ERR_ALREADY_MEMBER: { status: 409, message: 'That person is already a member of the project.' },
  ERR_DUPLICATE_KEY: { status: 409, message: 'You already added this SSH key.' },
  ERR_INVITATION_CLOSED: { status: 410, message: 'This invitation is no longer open.' },
  ERR_VERIFICATION_EXPIRED: { status: 410, message: 'This verification link has expired; sign in and send a new one.' },
  ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the body as application/json.' },
  ERR_MALFORMED_FILE: { status: 400, message: 'The file is not well-formed in its format.' },
  ERR_UNSUPPORTED_FORMAT: { status: 415, message: 'The file is not in a format Surplus reads.' },
  ERR_RATE_LIMITED: { status: 429, message: 'Too many attempts; wait and try again.' },
  ERR_SSO_FAILED: { status: 502, message: 'Single sign-on failed.' },
  ERR_NOT_CONFIGURED: { status: 501, message: 'This feature is not configured on this Surplus.' },
  ERR_INTERNAL: { status: 500, message: 'Something went wrong on our side; the request id identifies it in the logs.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export type FieldError = { field: string; message: string };

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message?: string, options: { fields?: FieldError[]; headers?: Record<string, string> } = {}) {
    super(message ?? ERRORS[code].message);
    this.code = code;
    this.status = ERRORS[code].status;
    this.fields = options.fields;
    this.headers = options.headers;
  }
}

export function fail(code: ErrorCode, message?: string, fields?: FieldError[]): never {
  throw new AppError(code, message, { fields });
}

/** A validation failure about one field, the shape most service rules need. */
export function invalid(field: string, message: string): never {
  throw new AppError('ERR_VALIDATION', `${field}: ${message}`, { fields: [{ field, message }] });
}

/** "a queued", "an inactive": the indefinite article for a word (a state in a message). */
export function withArticle(word: string, isCapital = false): string {
  const article = /^[aeiou]/i.test(word) ? 'an' : 'a';
  return `${isCapital ? article[0]?.toUpperCase() + article.slice(1) : article} ${word}`;
}

export function notFound(what: string): never {
  throw new AppError('ERR_NOT_FOUND', `${what} not found.`);
}
