import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { signedIn } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import type { App } from '../http/server.ts';
import { MultipartError, multipartBoundary, parseMultipart } from './insight.multipart.ts';
import {
  CoverageHistory,
  CriticalList,
  CriticalQuery,
  InviteBody,
  InviteResult,
  NoContent,
  Override,
  OverrideCreateBody,
  OverrideList,
  OverrideParam,
  PathList,
  PathsQuery,
  Product,
  ProductCreateBody,
  ProductList,
  ProductParam,
  ProductProjects,
  ProductUpdateBody,
  SignalsCsv,
  SignalsImportResult,
  SignalsQuery,
  SupplyChainEvidence,
  SurplusProjectParam,
  Upload,
  UploadBody,
  UploadList,
  UploadQuery,
  UpstreamProjectDetail,
  UpstreamProjectList,
  UpstreamProjectParam,
  UpstreamProjectQuery,
} from './insight.schemas.ts';
import { type InsightService, MAX_FILE_BYTES, type UploadFile } from './insight.service.ts';

/** The file, plus room for a companion manifest and multipart framing; the service holds the file itself to 50 MB. */
const UPLOAD_BODY_LIMIT = MAX_FILE_BYTES + 4 * 1024 * 1024;
/** The public OpenSSF criticality CSV is about 120 MB; it is read line by line. */
const SIGNALS_BODY_LIMIT = 512 * 1024 * 1024;

export function insightRoutes(app: App, { insight }: { insight: InsightService }) {
  const tags = ['insight'];
  const read = { policy: 'staff' as const };
  // Writes also need an admin or a program lead: the service checks, as the role is per program.
  const write = { policy: 'staff' as const };

  app.get(
    '/api/v1/products',
    { config: read, schema: { tags, operationId: 'listProducts', response: { 200: ProductList } } },
    async () => ({ items: await insight.listProducts() }),
  );
  app.post(
    '/api/v1/products',
    { config: write, schema: { tags, operationId: 'createProduct', body: ProductCreateBody, response: { 201: Product } } },
    async (request, reply) => reply.status(201).send(await insight.createProduct(signedIn(request.ctx), request.body)),
  );
  app.get(
    '/api/v1/products/:product',
    { config: read, schema: { tags, operationId: 'getProduct', params: ProductParam, response: { 200: Product } } },
    async (request) => insight.getProduct(request.params.product),
  );
  app.patch(
    '/api/v1/products/:product',
    {
      config: write,
      schema: { tags, operationId: 'updateProduct', params: ProductParam, body: ProductUpdateBody, response: { 200: Product } },
    },
    async (request) => insight.updateProduct(signedIn(request.ctx), request.params.product, request.body),
  );
  app.delete(
    '/api/v1/products/:product',
    { config: write, schema: { tags, operationId: 'deleteProduct', params: ProductParam, response: { 204: NoContent } } },
    async (request, reply) => {
      await insight.deleteProduct(signedIn(request.ctx), request.params.product);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/api/v1/products/:product/uploads',
    { config: read, schema: { tags, operationId: 'listUploads', params: ProductParam, response: { 200: UploadList } } },
    async (request) => ({ items: await insight.listUploads(request.params.product) }),
  );
  app.get(
    '/api/v1/products/:product/projects',
    { config: read, schema: { tags, operationId: 'listProductProjects', params: ProductParam, response: { 200: ProductProjects } } },
    async (request) => insight.productProjects(request.params.product),
  );
  app.get(
    '/api/v1/products/:product/paths',
    {
      config: read,
      schema: {
        tags,
        operationId: 'listDependencyPaths',
        description: 'Why is this here? Every path from the product to a package in its newest upload.',
        params: ProductParam,
        querystring: PathsQuery,
        response: { 200: PathList },
      },
    },
    async (request) => insight.paths(request.params.product, request.query.purl, request.query.limit),
  );

  // The upload takes the file's own bytes, not JSON: every content type reaches this route as a Buffer.
  app.register(async (scope) => {
    const raw = scope.withTypeProvider<ZodTypeProvider>();
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: UPLOAD_BODY_LIMIT }, (_request, body, done) => done(null, body));
    raw.post(
      '/api/v1/products/:product/uploads',
      {
        config: write,
        bodyLimit: UPLOAD_BODY_LIMIT,
        schema: {
          tags,
          operationId: 'uploadDependencyFile',
          description:
            'Scans a lock file or SBOM for the product and keeps the result as its newest upload. 400 ERR_MALFORMED_FILE names the format and the line:column; 415 ERR_UNSUPPORTED_FORMAT lists the formats read; 413 beyond 50 MB. Nothing is stored from a file that fails.',
          consumes: ['application/octet-stream', 'multipart/form-data'],
          params: ProductParam,
          querystring: UploadQuery,
          body: UploadBody,
          response: { 201: Upload },
        },
      },
      async (request, reply) => {
        const { file, companion } = uploadParts(request.headers['content-type'], request.body, request.query);
        return reply.status(201).send(await insight.upload(signedIn(request.ctx), request.params.product, file, companion));
      },
    );
  });

  app.get(
    '/api/v1/insight/projects',
    {
      config: read,
      schema: {
        tags,
        operationId: 'listUpstreamProjects',
        description:
          'Upstream projects of the products’ newest uploads, ranked across the portfolio: score = (usage + proximity + breadth + reach + signals) × dev_factor, each term returned.',
        querystring: UpstreamProjectQuery,
        response: { 200: UpstreamProjectList },
      },
    },
    async (request) => insight.listProjects(request.query),
  );
  app.get(
    '/api/v1/insight/projects/:id',
    {
      config: read,
      schema: { tags, operationId: 'getUpstreamProject', params: UpstreamProjectParam, response: { 200: UpstreamProjectDetail } },
    },
    async (request) => insight.getProject(request.params.id),
  );
  app.post(
    '/api/v1/insight/projects/:id/invite',
    {
      config: write,
      schema: {
        tags,
        operationId: 'inviteUpstreamProject',
        description:
          'Invites an unsupported upstream project to apply: an email queued to the address given, or the text of an issue to open on its repository (with a link that opens the form filled in).',
        params: UpstreamProjectParam,
        body: InviteBody,
        response: { 201: InviteResult },
      },
    },
    async (request, reply) => reply.status(201).send(await insight.invite(signedIn(request.ctx), request.params.id, request.body)),
  );
  app.get(
    '/api/v1/insight/critical-unsupported',
    { config: read, schema: { tags, operationId: 'listCriticalUnsupported', querystring: CriticalQuery, response: { 200: CriticalList } } },
    async (request) => insight.criticalUnsupported(request.query.limit),
  );
  app.get(
    '/api/v1/insight/coverage',
    { config: read, schema: { tags, operationId: 'getCoverageHistory', response: { 200: CoverageHistory } } },
    async () => insight.coverage(),
  );
  app.get(
    '/api/v1/projects/:project/supply-chain',
    {
      config: read,
      schema: {
        tags,
        operationId: 'getSupplyChainEvidence',
        description: 'Reviewer evidence: which of our products depend on this Surplus project’s repository, and where it ranks.',
        params: SurplusProjectParam,
        response: { 200: SupplyChainEvidence },
      },
    },
    async (request) => insight.dependencyEvidence(request.params.project),
  );

  app.get(
    '/api/v1/insight/overrides',
    { config: read, schema: { tags, operationId: 'listUpstreamOverrides', response: { 200: OverrideList } } },
    async () => insight.listOverrides(),
  );
  app.post(
    '/api/v1/insight/overrides',
    {
      config: { policy: 'admin' },
      schema: {
        tags,
        operationId: 'createUpstreamOverride',
        description:
          'Counts a repository, or every repository of an owner, as part of a group (a foundation, a project of several repositories).',
        body: OverrideCreateBody,
        response: { 201: Override },
      },
    },
    async (request, reply) => reply.status(201).send(await insight.createOverride(signedIn(request.ctx), request.body)),
  );
  app.delete(
    '/api/v1/insight/overrides/:id',
    {
      config: { policy: 'admin' },
      schema: { tags, operationId: 'deleteUpstreamOverride', params: OverrideParam, response: { 204: NoContent } },
    },
    async (request, reply) => {
      await insight.deleteOverride(signedIn(request.ctx), request.params.id);
      return reply.status(204).send(null);
    },
  );

  // Signals arrive as CSV and are read line by line while they stream in.
  app.register(async (scope) => {
    const csv = scope.withTypeProvider<ZodTypeProvider>();
    csv.removeAllContentTypeParsers();
    csv.addContentTypeParser('text/csv', { bodyLimit: SIGNALS_BODY_LIMIT }, (_request, payload, done) => done(null, payload));
    csv.post(
      '/api/v1/insight/signals',
      {
        config: { policy: 'admin' },
        bodyLimit: SIGNALS_BODY_LIMIT,
        schema: {
          tags,
          operationId: 'importUpstreamSignals',
          description:
            'Imports public signals by repository (an OpenSSF criticality score CSV, dependents counts). One unusable line refuses the file: each bad line’s number and reason come back in error.fields.',
          consumes: ['text/csv'],
          querystring: SignalsQuery,
          body: SignalsCsv,
          response: { 200: SignalsImportResult },
        },
      },
      async (request) => {
        const lines = createInterface({ input: request.body as Readable, crlfDelay: Number.POSITIVE_INFINITY });
        return insight.importSignals(signedIn(request.ctx), lines, request.query.source);
      },
    );
  });
}

function uploadParts(
  contentType: string | undefined,
  body: Buffer,
  query: { name?: string; companion_name?: string },
): { file: UploadFile; companion: UploadFile | null } {
  let boundary: string | null;
  try {
    boundary = multipartBoundary(contentType);
    if (boundary === null) return { file: { bytes: body, name: query.name ?? 'upload' }, companion: null };
    const parts = parseMultipart(body, boundary);
    const file = parts.find((part) => part.field === 'file');
    if (!file)
      throw new AppError('ERR_VALIDATION', 'file: the multipart body has no part named file', {
        fields: [{ field: 'file', message: 'missing' }],
      });
    const companion = parts.find((part) => part.field === 'companion');
    return {
      file: { bytes: file.bytes, name: query.name ?? file.fileName ?? 'upload' },
      companion: companion ? { bytes: companion.bytes, name: query.companion_name ?? companion.fileName ?? 'manifest' } : null,
    };
  } catch (error) {
    if (error instanceof MultipartError) throw new AppError('ERR_BAD_REQUEST', error.message);
    throw error;
  }
}
