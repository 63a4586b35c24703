import { z } from 'zod';

const Slug = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/, 'use 1–64 lower-case letters, digits and inner hyphens');
const Ref = z.object({ id: z.uuid(), slug: z.string(), name: z.string() });
export const NoContent = z.null().describe('No content');

// --- products ----------------------------------------------------------------------------------------

export const ProductParam = z.object({ product: z.string().min(1).max(64).describe('Product id or slug.') });

export const ProductCreateBody = z
  .strictObject({
    slug: Slug,
    name: z.string().trim().min(1).max(200),
    description: z.string().trim().max(5000).default(''),
  })
  .meta({ id: 'ProductCreateBody' });
export type ProductCreateBody = z.infer<typeof ProductCreateBody>;

export const ProductUpdateBody = z
  .strictObject({
    slug: Slug.optional(),
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().trim().max(5000).optional(),
  })
  .meta({ id: 'ProductUpdateBody' });
export type ProductUpdateBody = z.infer<typeof ProductUpdateBody>;

export const Upload = z
  .object({
    id: z.uuid(),
    product_id: z.uuid(),
    file_name: z.string(),
    companion_name: z.string().nullable().describe('The manifest sent with the file, when one was.'),
    format: z.string().describe('The format the scan recognized, e.g. package-lock.json, cyclonedx-json.'),
    format_version: z.string().nullable(),
    size_bytes: z.number().int(),
    sha256: z.string().describe('Of the file as uploaded (hex).'),
    packages: z.number().int().describe('Distinct packages the product depends on (its own not counted).'),
    direct: z.number().int().nullable().describe('Distinct direct dependencies, dev and optional included; null when the file cannot say.'),
    depth_histogram: z.array(z.number().int()).describe('Element i counts the packages at depth i + 1 (element 0: direct).'),
    notes: z.array(z.string()).describe('What the scan ignored or could not tell.'),
    upstream_projects: z.number().int(),
    uploaded_at: z.string(),
    uploaded_by: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  })
  .meta({ id: 'Upload' });
export type Upload = z.infer<typeof Upload>;
export const UploadList = z.object({ items: z.array(Upload) }).meta({ id: 'UploadList' });

export const Product = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    uploads: z.number().int().describe('How many files were uploaded for it; the newest is current.'),
    latest_upload: Upload.nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Product' });
export type Product = z.infer<typeof Product>;
export const ProductList = z.object({ items: z.array(Product) }).meta({ id: 'ProductList' });

export const UploadQuery = z.object({
  name: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('The file’s name (e.g. Cargo.lock): formats that the content alone cannot tell need it. Default: the multipart file name.'),
  companion_name: z.string().min(1).max(255).optional().describe('The companion manifest’s name, when a multipart body does not give it.'),
});

export const UploadBody = z
  .custom<Buffer>((value) => Buffer.isBuffer(value), 'the body must be the file')
  .meta({
    type: 'string',
    format: 'binary',
    description: [
      'Either the file itself as the whole body (any content type but multipart, e.g. application/octet-stream) with its name',
      'in `?name=`, or multipart/form-data with a `file` part and optionally a `companion` part (the manifest that tells what is',
      'direct: package.json, Cargo.toml, pyproject.toml, go.mod, composer.json, requirements.in), each with its file name.',
      'Files up to 50 MB.',
    ].join(' '),
  });

// --- results: upstream projects, coverage ------------------------------------------------------------

export const CoverageState = z
  .enum(['supported', 'registered', 'unsupported'])
  .describe(
    'supported: a Surplus project with this repository has an active or expiring grant; registered: one exists, without such a grant; unsupported: none.',
  )
  .meta({ id: 'CoverageState' });

export const PortfolioTerms = z
  .object({
    usage: z.number().describe('4 · log2(1 + products)'),
    proximity: z.number().describe('4 / min_depth'),
    breadth: z.number().describe('2 · log2(1 + packages)'),
    reach: z.number().describe('log2(1 + paths)'),
    signals: z.number().describe('4 · criticality_score + log10(1 + dependents_count); 0 without imported signals'),
    dev_factor: z.number().describe('½ when every product needs it only for development, else 1'),
  })
  .describe('score = (usage + proximity + breadth + reach + signals) × dev_factor')
  .meta({ id: 'PortfolioTerms' });

const Invitation = z
  .object({
    id: z.uuid(),
    channel: z.enum(['email', 'github_issue']),
    email: z.string().nullable(),
    repository: z.string().nullable(),
    created_at: z.string(),
    invited_by: z.string().nullable(),
  })
  .meta({ id: 'UpstreamInvitation' });

export const UpstreamProject = z
  .object({
    rank: z.number().int(),
    id: z.uuid(),
    key: z
      .string()
      .describe('The repository (github.com/owner/repo), a package without repository (pkg:cargo/serde) or a group (group:apache).'),
    kind: z.enum(['repository', 'package', 'group']),
    name: z.string(),
    repository: z.string().nullable(),
    repositories: z.array(z.string()).describe('Its repositories in the products: its own, or a group’s members.'),
    owner: z.string().nullable(),
    products: z.array(Ref).describe('The products whose latest upload depends on it.'),
    packages: z.number().int().describe('Distinct packages (purls) it supplies across the products.'),
    direct_products: z.number().int().describe('Products that ask for one of its packages directly.'),
    min_depth: z.number().int(),
    paths: z.number().describe('Paths from the products to its packages, summed (saturates at 2^53).'),
    dev_only: z.boolean(),
    criticality_score: z.number().nullable().describe('Imported OpenSSF criticality score, 0–1.'),
    dependents_count: z.number().nullable().describe('Imported dependents count.'),
    score: z.number(),
    terms: PortfolioTerms,
    coverage: CoverageState,
    surplus_projects: z.array(Ref.extend({ is_supported: z.boolean() })),
    funding: z.array(z.string()),
    invitable: z.boolean().describe('Not supported and on a forge we can open an issue on or write to.'),
    last_invitation: Invitation.nullable(),
  })
  .meta({ id: 'UpstreamProject' });
export type UpstreamProject = z.infer<typeof UpstreamProject>;

export const CoverageSummary = z
  .object({
    products: z.number().int().describe('Products with at least one upload.'),
    projects: z.number().int(),
    with_repository: z.number().int().describe('Projects with a known repository: only these can match a Surplus project.'),
    supported: z.number().int(),
    registered: z.number().int(),
    unsupported: z.number().int(),
    supported_share: z.number().describe('supported / with_repository.'),
    supported_score_share: z.number().describe('The same, weighted by score.'),
  })
  .meta({ id: 'CoverageSummary' });
export type CoverageSummary = z.infer<typeof CoverageSummary>;

const COVERAGE_STATES = ['supported', 'registered', 'unsupported'];
export const UpstreamProjectQuery = z.object({
  coverage: z
    .string()
    .max(100)
    .optional()
    .describe('One coverage state or several, comma-separated: registered,unsupported is everything no grant supports.')
    .refine((value) => !value || value.split(',').every((state) => COVERAGE_STATES.includes(state)), 'has an unknown coverage state'),
  product: z.string().min(1).max(64).optional().describe('Only projects this product (id or slug) depends on.'),
  q: z.string().trim().max(200).optional().describe('Part of the key, name or a repository.'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
export type UpstreamProjectQuery = z.infer<typeof UpstreamProjectQuery>;

export const UpstreamProjectList = z
  .object({ summary: CoverageSummary, total: z.number().int(), items: z.array(UpstreamProject) })
  .meta({ id: 'UpstreamProjectList' });

export const UpstreamProjectParam = z.object({ id: z.uuid() });

export const UpstreamProjectDetail = UpstreamProject.extend({
  usage: z.array(
    z.object({
      product: Ref,
      upload_id: z.uuid(),
      repository: z.string().nullable(),
      packages: z.number().int(),
      direct: z.number().int(),
      min_depth: z.number().int(),
      paths: z.number(),
      dev_only: z.boolean(),
      purls: z.array(z.string()),
    }),
  ),
  invitations: z.array(Invitation),
}).meta({ id: 'UpstreamProjectDetail' });

export const CriticalQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) });
export const CriticalList = z
  .object({
    items: z.array(UpstreamProject),
    rule: z.string().describe('How the list is chosen.'),
  })
  .meta({ id: 'CriticalUnsupportedList' });

export const CoverageHistory = z
  .object({
    current: CoverageSummary,
    history: z.array(CoverageSummary.extend({ at: z.string() })).describe('At every upload, grant start or end, and now; oldest first.'),
  })
  .meta({ id: 'CoverageHistory' });

export const ProductProjects = z
  .object({
    product: Product,
    summary: CoverageSummary,
    items: z.array(UpstreamProject).describe('Its upstream projects ranked by the same formula over this product alone.'),
  })
  .meta({ id: 'ProductProjects' });

export const PathsQuery = z.object({
  purl: z
    .string()
    .min(1)
    .max(2000)
    .describe(
      'A package URL (without a version: every version of the package) or a package name (pflag, github.com/spf13/pflag, @babel/core).',
    ),
  limit: z.coerce.number().int().min(1).max(200).default(20).describe('Paths per package.'),
});

const PathStep = z.object({ purl: z.string().nullable().describe('null for the product (a root).'), name: z.string() });
export const PathList = z
  .object({
    upload_id: z.uuid(),
    items: z.array(
      z.object({
        purl: z.string(),
        name: z.string(),
        version: z.string().nullable(),
        repository: z.string().nullable(),
        depth: z.number().int(),
        is_direct: z.boolean(),
        is_dev: z.boolean(),
        is_optional: z.boolean(),
        path_count: z.number().describe('All paths (a cycle counted once); `paths` lists at most `limit`.'),
        paths: z.array(z.array(PathStep)).describe('Each from the product to the package, shortest first.'),
      }),
    ),
  })
  .meta({ id: 'PathList' });

// --- invitations, overrides, signals, evidence ---------------------------------------------------------

export const InviteBody = z
  .strictObject({
    channel: z.enum(['email', 'github_issue']),
    email: z.email().max(320).optional().describe('Where the email goes; required for channel email.'),
    program: z.string().min(1).max(64).optional().describe('The program to apply to (id or slug); default: the oldest public one.'),
    message: z.string().trim().max(2000).optional().describe('A paragraph of your own, added to the text.'),
  })
  .refine((body) => body.channel !== 'email' || body.email !== undefined, { message: 'give the address to write to', path: ['email'] })
  .meta({ id: 'InviteBody' });
export type InviteBody = z.infer<typeof InviteBody>;

export const InviteResult = z
  .object({
    id: z.uuid(),
    channel: z.enum(['email', 'github_issue']),
    to: z.string().nullable().describe('The address the email was queued to.'),
    repository: z.string().nullable(),
    subject: z.string().describe('The email subject, or the issue title.'),
    body: z.string(),
    new_issue_url: z.string().nullable().describe('Opens the forge’s new-issue form filled in (GitHub, GitLab, Codeberg).'),
    created_at: z.string(),
  })
  .meta({ id: 'InviteResult' });
export type InviteResult = z.infer<typeof InviteResult>;

export const OverrideCreateBody = z
  .strictObject({
    match_kind: z.enum(['repository', 'owner']),
    match: z
      .string()
      .trim()
      .min(3)
      .max(300)
      .describe('A repository (URL or host/owner/repo) or an owner (host/owner, e.g. github.com/apache).'),
    group: z.string().trim().min(1).max(100).describe('The group’s name: a foundation or a project of several repositories.'),
  })
  .meta({ id: 'OverrideCreateBody' });
export type OverrideCreateBody = z.infer<typeof OverrideCreateBody>;

export const Override = z
  .object({
    id: z.uuid(),
    match_kind: z.enum(['repository', 'owner']),
    match: z.string(),
    group: z.object({ id: z.uuid(), key: z.string(), name: z.string() }),
    created_at: z.string(),
    created_by: z.string().nullable(),
  })
  .meta({ id: 'UpstreamOverride' });
export const OverrideList = z.object({ items: z.array(Override) }).meta({ id: 'UpstreamOverrideList' });
export const OverrideParam = z.object({ id: z.uuid() });

export const SignalsQuery = z.object({
  source: z.string().trim().min(1).max(100).default('openssf-criticality-score').describe('Where the figures come from, kept with them.'),
});
export const SignalsCsv = z
  // The route hands over the body as a stream, read line by line; the document shows it as the CSV text it is.
  .custom<NodeJS.ReadableStream>((value) => typeof (value as { pipe?: unknown } | null)?.pipe === 'function', 'the body must be CSV')
  .meta({
    type: 'string',
    description:
      'CSV with a header line: a repository column (repo.url, url, repo, repository) and a score (default_score, criticality_score, score: 0–1) and/or dependents column (depsdev.dependent_count, dependents_count, dependents). The OpenSSF criticality_score CSV works as it comes.',
  });
export const SignalsImportResult = z
  .object({ imported: z.number().int(), lines: z.number().int(), source: z.string() })
  .meta({ id: 'SignalsImportResult' });

export const SurplusProjectParam = z.object({ project: z.string().min(1).max(64) });
export const SupplyChainEvidence = z
  .object({
    project: z.object({ id: z.uuid(), slug: z.string(), name: z.string(), repository: z.string() }),
    is_depended_on: z.boolean().describe('Some product’s latest upload depends on its repository.'),
    upstream_project: UpstreamProject.nullable().describe('Where it ranks among the portfolio’s upstream projects.'),
    products: z.array(
      Ref.extend({ packages: z.number().int(), direct: z.number().int(), min_depth: z.number().int(), purls: z.array(z.string()) }),
    ),
  })
  .meta({ id: 'SupplyChainEvidence' });
export type SupplyChainEvidence = z.infer<typeof SupplyChainEvidence>;
