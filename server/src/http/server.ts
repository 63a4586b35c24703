import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Authenticated } from '../accounts/accounts.service.ts';
import { sameString } from '../accounts/tokens.ts';
import type { Actor, Ctx } from './context.ts';
import { AppError, ERRORS, type FieldError } from './errors.ts';
import type { Metrics } from './metrics.ts';
import { checkRoutePolicy, enforcePolicy, type Policy, type ProjectAccess, type ProjectResolver, type RoutePolicy } from './policy.ts';
import { serializerCompiler } from './serializer.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: Policy;
  }
  interface FastifyInstance {
    /** Every route with its policy, as registered: what the policy test and the roles docs read. */
    routePolicies: readonly RoutePolicy[];
  }
  interface FastifyRequest {
    actor: Actor | null;
    auth: Authenticated | null;
    projectAccess: ProjectAccess | null;
    ctx: Ctx;
  }
}

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  import('fastify').FastifyBaseLogger,
  ZodTypeProvider
>;

export const SESSION_COOKIE = 'surplus_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type HttpOptions = {
  logger: boolean | object;
  cookieSecret: string;
  isSecureCookie: boolean;
  webDir: string | null;
  version: string;
  authenticate: {
    session(secret: string): Promise<Authenticated | undefined>;
    token(secret: string): Promise<Authenticated | undefined>;
  };
  resolveProject: ProjectResolver;
  metrics: Metrics | null;
  isReady: () => Promise<boolean>;
};

/** The HTTP shell: logging, request ids, errors, authentication, policies, OpenAPI, static web. */
export async function createHttpServer(options: HttpOptions): Promise<App> {
  const app = Fastify({
    logger: options.logger,
    bodyLimit: 1024 * 1024,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.:-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    },
    trustProxy: false,
    // One log line per request (in onResponse), not Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<ZodTypeProvider>();

  // The API speaks JSON only. Fastify also parses text/plain, which would hand the schemas a string
  // and answer 400 where the truth is 415.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('actor', null);
  app.decorateRequest('auth', null);
  app.decorateRequest('projectAccess', null);
  app.decorateRequest('ctx', null as unknown as Ctx);

  await app.register(cookie, { secret: options.cookieSecret });

  const routePolicies: RoutePolicy[] = [];
  app.decorate('routePolicies', routePolicies);
  app.addHook('onRoute', (route) => {
    if (route.config?.policy === undefined && isPluginDocumentation(route.url)) route.config = { ...route.config, policy: 'public' };
    for (const method of [route.method].flat()) {
      const policy = checkRoutePolicy(method, route.url, route.config?.policy);
      routePolicies.push({ method, url: route.url, policy });
      // A plugin's "/" route is also registered as "/prefix/", sharing these options but not this hook.
      if (route.routePath === '' && route.prefix) routePolicies.push({ method, url: `${route.url}/`, policy });
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    request.ctx = { actor: null, requestId: request.id };
    await authenticate(request, options);
    request.ctx = { actor: request.actor, requestId: request.id };
    const policy = request.routeOptions.config?.policy;
    if (policy === undefined) return;
    if (policy !== 'public' && request.auth?.csrfToken && !SAFE_METHODS.has(request.method)) {
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !sameString(sent, request.auth.csrfToken)) throw new AppError('ERR_CSRF');
    }
    await enforcePolicy(request, policy, options.resolveProject);
  });

  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { req: request, res: { statusCode: reply.statusCode }, responseTime: Math.round(reply.elapsedTime * 10) / 10 },
      'request completed',
    );
  });

  if (options.metrics) {
    const metrics = options.metrics;
    app.addHook('onResponse', async (request, reply) => {
      metrics.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    });
  }

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'ERR_NOT_FOUND', message: `No route for ${request.method} ${request.url.split('?')[0]}.` } }),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Surplus API',
        version: options.version,
        description:
          'Open source partner programs: projects, requests, grants, bare-metal servers, usage. Authenticate with `Authorization: Bearer <token>` (create a token in your profile) or the session cookie plus `X-CSRF-Token` on writes.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token (sps_…).' },
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { deepLinking: true } });

  app.get('/api/openapi.json', { config: { policy: 'public' }, schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { config: { policy: 'public' }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { policy: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    const isReady = await options.isReady().catch(() => false);
    return reply.status(isReady ? 200 : 503).send({ status: isReady ? 'ready' : 'not ready' });
  });
  if (options.metrics) {
    const metrics = options.metrics;
    app.get('/metrics', { config: { policy: 'public' }, schema: { hide: true } }, async (_request, reply) =>
      reply.type(metrics.contentType).send(await metrics.render()),
    );
  }

  const webDir = options.webDir;
  if (webDir && existsSync(join(webDir, 'index.html'))) {
    // One public catch-all instead of a route per file: assets by path, every other page gets the app
    // shell so that client-side routes (/projects/x) survive a reload.
    await app.register(fastifyStatic, { root: webDir, serve: false });
    app.get('/*', { config: { policy: 'public' }, schema: { hide: true } }, async (request, reply) => {
      const path = (request.params as { '*': string })['*'];
      if (path.startsWith('api/') || path.startsWith('hooks/')) {
        return reply.status(404).send({ error: { code: 'ERR_NOT_FOUND', message: `No route for GET /${path}.` } });
      }
      const file = normalize(path);
      const isAsset = file.length > 0 && !file.startsWith('..') && existsSync(join(webDir, file)) && statSync(join(webDir, file)).isFile();
      if (isAsset)
        return reply
          .header('cache-control', file.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache')
          .sendFile(file);
      return reply.header('cache-control', 'no-cache').type('text/html').sendFile('index.html');
    });
  }
  return app;
}

// Routes added by plugins we do not own (the OpenAPI viewer's assets) are public documentation.
function isPluginDocumentation(url: string) {
  return url.startsWith('/api/docs');
}

async function authenticate(request: FastifyRequest, options: HttpOptions) {
  const header = request.headers.authorization;
  let auth: Authenticated | undefined;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    auth = match ? await options.authenticate.token(match[1] as string) : undefined;
    if (!auth) throw new AppError('ERR_UNAUTHENTICATED', 'The API token is not valid, expired or revoked.');
  } else {
    const signed = request.cookies[SESSION_COOKIE];
    const unsigned = signed ? request.unsignCookie(signed) : undefined;
    if (unsigned?.valid && unsigned.value) auth = await options.authenticate.session(unsigned.value);
  }
  request.auth = auth ?? null;
  request.actor = auth?.actor ?? null;
}

export function setSessionCookie(reply: FastifyReply, secret: string, expiresAt: Date, isSecure: boolean) {
  reply.setCookie(SESSION_COOKIE, secret, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: isSecure,
    signed: true,
    expires: expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}

function sendError(error: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) {
    if (error.headers) reply.headers(error.headers);
    return reply
      .status(error.status)
      .send({ error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) } });
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as { validationContext?: string }).validationContext ?? 'body';
    const fields: FieldError[] = error.validation.map((issue) => {
      const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
      const unknownKeys = (issue.params as { keys?: string[] } | undefined)?.keys;
      const field = unknownKeys?.length ? [path, unknownKeys.join(',')].filter(Boolean).join('.') : path || where;
      return { field, message: issue.message ?? 'is invalid' };
    });
    const message = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
    return reply.status(400).send({ error: { code: 'ERR_VALIDATION', message, fields } });
  }
  const code = error.code ?? '';
  if (
    code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    (code.startsWith('FST_ERR_CTP') && error.statusCode === 400) ||
    error instanceof SyntaxError
  ) {
    return reply
      .status(400)
      .send({ error: { code: 'ERR_MALFORMED_JSON', message: `${ERRORS.ERR_MALFORMED_JSON.message} ${error.message}` } });
  }
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return reply.status(413).send({ error: { code: 'ERR_PAYLOAD_TOO_LARGE', message: ERRORS.ERR_PAYLOAD_TOO_LARGE.message } });
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return reply.status(415).send({ error: { code: 'ERR_UNSUPPORTED_MEDIA_TYPE', message: ERRORS.ERR_UNSUPPORTED_MEDIA_TYPE.message } });
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return reply.status(error.statusCode).send({ error: { code: 'ERR_BAD_REQUEST', message: error.message } });
  }
  request.log.error({ err: error }, 'request failed');
  return reply.status(500).send({ error: { code: 'ERR_INTERNAL', message: ERRORS.ERR_INTERNAL.message } });
}
