import { z } from 'zod';
import { ROLES } from '../http/context.ts';
import { PageQuery, pageOf } from '../http/pagination.ts';
import { MIN_PASSWORD_LENGTH } from './passwords.ts';

const Email = z
  .email()
  .max(254)
  .transform((email) => email.toLowerCase());
const Password = z.string().min(1).max(1024);
const NewPassword = z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(1024);

export const Role = z.enum(ROLES).meta({ id: 'Role' });

export const User = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    roles: z.array(Role),
    github_login: z.string().nullable(),
    has_password: z.boolean(),
    email_verified: z
      .boolean()
      .describe('Whether the owner proved they read mail at `email` (SSO, an emailed link, or an invitation link sent there).'),
    is_disabled: z.boolean(),
    created_at: z.string(),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof User>;

export const UserPage = pageOf(User).meta({ id: 'UserPage' });
export const UserListQuery = PageQuery.extend({
  q: z.string().max(200).optional().describe('Matches email or name.'),
  role: Role.optional(),
});

export const SignUpBody = z
  .strictObject({ email: Email, name: z.string().trim().min(1).max(200), password: NewPassword })
  .meta({ id: 'SignUpBody' });
export const LoginBody = z.strictObject({ email: Email, password: Password }).meta({ id: 'LoginBody' });

export const Identity = z
  .object({ provider: z.enum(['oidc', 'github']), login: z.string().nullable(), email: z.string().nullable(), created_at: z.string() })
  .meta({ id: 'Identity' });

export const Session = z
  .object({
    user: User,
    identities: z.array(Identity),
    csrf_token: z.string().nullable().describe('Send as X-CSRF-Token on writes made with the session cookie; null for tokens.'),
    via: z.enum(['session', 'token']),
  })
  .meta({ id: 'Session' });

export const PasswordChangeBody = z
  .strictObject({
    current_password: Password.optional().describe('Required when the account has a password.'),
    new_password: NewPassword,
  })
  .meta({ id: 'PasswordChangeBody' });

export const ApiToken = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().describe('The first characters of the token, to recognise it.'),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .meta({ id: 'ApiToken' });
export type ApiToken = z.infer<typeof ApiToken>;

export const ApiTokenCreateBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    expires_in_days: z.number().int().min(1).max(3650).optional().describe('Omit for a token that does not expire.'),
  })
  .meta({ id: 'ApiTokenCreateBody' });
export const ApiTokenCreated = z
  .object({ token: ApiToken, secret: z.string().describe('Shown once; Surplus keeps only its digest.') })
  .meta({ id: 'ApiTokenCreated' });

export const UserUpdateBody = z
  .strictObject({ roles: z.array(Role).max(3).optional(), is_disabled: z.boolean().optional() })
  .meta({ id: 'UserUpdateBody' });

export const AuthSettings = z
  .object({
    signup_open: z.boolean(),
    providers: z.object({ local: z.boolean(), oidc: z.object({ name: z.string() }).nullable(), github: z.boolean() }),
  })
  .meta({ id: 'AuthSettings' });
export const AuthSettingsUpdateBody = z.strictObject({ signup_open: z.boolean() }).meta({ id: 'AuthSettingsUpdateBody' });

export const EmailVerifyBody = z
  .strictObject({ token: z.string().min(10).max(200).describe('From the link in the verification email.') })
  .meta({ id: 'EmailVerifyBody' });
export const EmailVerified = z.object({ email: z.string(), verified_at: z.string() }).meta({ id: 'EmailVerified' });
export const EmailVerificationSent = z
  .object({ email: z.string().describe('Where the link was sent.'), expires_at: z.string() })
  .meta({ id: 'EmailVerificationSent' });

export const IdParam = z.object({ id: z.uuid() });
