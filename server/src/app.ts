import { sql } from 'kysely';
import { AccountsRepository } from './accounts/accounts.repository.ts';
import { accountsRoutes } from './accounts/accounts.routes.ts';
import { AccountsService } from './accounts/accounts.service.ts';
import { type GithubSettings, type OidcSettings, SsoService } from './accounts/sso.ts';
import { TokenCache } from './accounts/token-cache.ts';
import { EmailVerificationService } from './accounts/verification.service.ts';
import { AuditRepository } from './audit/audit.repository.ts';
import { auditRoutes } from './audit/audit.routes.ts';
import { AuditService } from './audit/audit.service.ts';
import { CatalogRepository } from './catalog/catalog.repository.ts';
import { catalogRoutes } from './catalog/catalog.routes.ts';
import { CATALOG_CHANNEL, CatalogService } from './catalog/catalog.service.ts';
import { SecretBox } from './crypto/secret-box.ts';
import { CachedValue } from './db/cached-value.ts';
import type { Db } from './db/database.ts';
import { ChangeListener } from './db/listener.ts';
import { PageCache } from './db/page-cache.ts';
import { DirectoryRepository } from './directory/directory.repository.ts';
import { directoryRoutes } from './directory/directory.routes.ts';
import { DirectoryService } from './directory/directory.service.ts';
import { GrantsRepository } from './grants/grants.repository.ts';
import { grantsRoutes } from './grants/grants.routes.ts';
import { GrantsService } from './grants/grants.service.ts';
import { Metrics } from './http/metrics.ts';
import { type App, createHttpServer } from './http/server.ts';
import { InsightRepository } from './insight/insight.repository.ts';
import { insightRoutes } from './insight/insight.routes.ts';
import { InsightService } from './insight/insight.service.ts';
import { GithubClient } from './intake/github-client.ts';
import { GithubReplies } from './intake/github-replies.ts';
import { IntakeRepository } from './intake/intake.repository.ts';
import { claimsRoutes } from './intake/intake.routes.ts';
import { IntakeService } from './intake/intake.service.ts';
import { githubWebhookRoutes } from './intake/webhook.ts';
import type { ProviderSource } from './inventory/inventory.probe.ts';
import { InventoryRepository } from './inventory/inventory.repository.ts';
import { inventoryRoutes } from './inventory/inventory.routes.ts';
import { InventoryService } from './inventory/inventory.service.ts';
import type { JobHandlers } from './jobs/worker.ts';
import { KeysRepository } from './keys/keys.repository.ts';
import { keysRoutes } from './keys/keys.routes.ts';
import { KeysService } from './keys/keys.service.ts';
import { Mailer, type MailSettings } from './mail/mailer.ts';
import { Outbox } from './mail/outbox.ts';
import { MeteringRepository } from './metering/metering.repository.ts';
import { meteringRoutes } from './metering/metering.routes.ts';
import { MeteringService } from './metering/metering.service.ts';
import { NotificationsRepository } from './notifications/notifications.repository.ts';
import { notificationsRoutes } from './notifications/notifications.routes.ts';
import { NotificationsService } from './notifications/notifications.service.ts';
import { ProgramsRepository } from './programs/programs.repository.ts';
import { programsRoutes } from './programs/programs.routes.ts';
import { ProgramsService } from './programs/programs.service.ts';
import { MembersService } from './projects/members.service.ts';
import { ProjectsRepository } from './projects/projects.repository.ts';
import { projectsRoutes } from './projects/projects.routes.ts';
import { PROJECTS_CHANNEL, ProjectsService } from './projects/projects.service.ts';
import { BmcActionsRepository } from './providers/bmc-actions.repository.ts';
import { createLabProvider } from './providers/lab/lab-provider.ts';
import { ManualProvider } from './providers/manual/manual-provider.ts';
import { RedfishProvider } from './providers/redfish/redfish-provider.ts';
import { ProviderRegistry } from './providers/registry.ts';
import { ReportsRepository } from './reports/reports.repository.ts';
import { reportsRoutes } from './reports/reports.routes.ts';
import { ReportsService } from './reports/reports.service.ts';
import { RequestsRepository } from './requests/requests.repository.ts';
import { requestsRoutes } from './requests/requests.routes.ts';
import { RequestsService } from './requests/requests.service.ts';
import { ReviewRepository } from './review/review.repository.ts';
import { reviewRoutes } from './review/review.routes.ts';
import { REVIEW_CHANNEL, ReviewService } from './review/review.service.ts';
import { OperatorTasksRepository } from './servers/operator-tasks.repository.ts';
import { operatorTasksRoutes } from './servers/operator-tasks.routes.ts';
import { OperatorTasksService } from './servers/operator-tasks.service.ts';
import { ProvisionTokens } from './servers/provision-token.ts';
import { ServersRepository } from './servers/servers.repository.ts';
import { serversRoutes } from './servers/servers.routes.ts';
import { type ProvisioningSettings, ServersService } from './servers/servers.service.ts';
import { StoriesRepository } from './stories/stories.repository.ts';
import { storiesRoutes } from './stories/stories.routes.ts';
import { StoriesService } from './stories/stories.service.ts';
import { WebhooksRepository } from './webhooks/webhooks.repository.ts';
import { webhooksRoutes } from './webhooks/webhooks.routes.ts';
import { WebhooksService } from './webhooks/webhooks.service.ts';

export type SurplusConfig = {
  publicUrl: string;
  /** 32 bytes: encrypts secrets at rest (SecretBox). */
  secretKey: Buffer;
  cookieSecret: string;
  isSecureCookie: boolean;
  webDir: string | null;
  logger: boolean | object;
  oidc: OidcSettings | null;
  github: GithubSettings | null;
  mail: MailSettings;
  version: string;
  hasMetrics: boolean;
  /**
   * The database's URL for the one connection that LISTENs for changes to tokens and users, so that
   * API tokens can be cached in the process (decision 0007). Without it every request looks its
   * token up.
   */
  databaseUrl?: string;
  /**
   * Where workflows record their bookkeeping: BMC action attempts and outcomes, and timeline
   * progress steps. main.ts gives a small pool whose commits do not wait for the disk (decision
   * 0014): each step then waits for the BMC and PostgreSQL, not for a WAL flush too. Default: db.
   */
  bookkeepingDb?: Db;
  /**
   * GitHub issue intake replies: the REST base URL (SURPLUS_GITHUB_API_URL) and the bot's token
   * (SURPLUS_GITHUB_TOKEN). Without a token, deliveries are still taken in; no replies are posted.
   */
  githubApi?: { url: string; token: string | null; botLogin: string | null };
  /** Machine back ends by name (machines.bmc_provider); tests pass stand-ins. Default: Redfish. */
  providers?: ProviderSource;
  /** How long one enrollment probe of a BMC may take (default 60 s). */
  probeTimeoutMs?: number;
  /** The boot service's URL as machines reach it, and workflow timeouts. */
  provisioning?: Partial<ProvisioningSettings>;
};

const DEFAULT_PROVISIONING: ProvisioningSettings = {
  bootUrl: 'http://127.0.0.1:8081',
  bootTimeoutSeconds: 600,
  stepTimeoutMs: 60_000,
  operatorTimeoutSeconds: 86_400,
  labSshHost: '127.0.0.1',
};

export type Services = ReturnType<typeof createServices>;

/** The composition root: every repository and service, built once and handed to what needs it. */
export function createServices(db: Db, config: SurplusConfig) {
  const auditRepository = new AuditRepository();
  const projectsRepository = new ProjectsRepository();
  const audit = new AuditService(auditRepository);
  const outbox = new Outbox();
  const accountsRepository = new AccountsRepository();
  const verification = new EmailVerificationService(db, accountsRepository, audit, outbox, config.publicUrl);
  // One LISTEN connection keeps the in-process caches honest (decision 0007).
  const notify = (channel: string, payload: string) => sql`select pg_notify(${channel}, ${payload})`.execute(db);
  const listener = new ChangeListener(config.databaseUrl ?? null, notify);
  const accounts = new AccountsService(db, accountsRepository, audit, verification, new TokenCache(listener));
  const projects = new ProjectsService(db, projectsRepository, audit, new PageCache(listener, [PROJECTS_CHANNEL]));
  const members = new MembersService(db, projectsRepository, audit, outbox, verification, config.publicUrl);
  const keys = new KeysService(db, new KeysRepository(), audit);
  const sso = new SsoService({ oidc: config.oidc, github: config.github });
  const mailer = new Mailer(db, config.mail);
  const secrets = new SecretBox(config.secretKey);
  const catalog = new CatalogService(db, new CatalogRepository(), audit, new CachedValue(listener, [CATALOG_CHANNEL]));
  // What programs spent comes from metering, built below (it needs programs too).
  const programs = new ProgramsService(
    db,
    new ProgramsRepository(),
    audit,
    secrets,
    (programId, from, to): Promise<number> => metering.spendSource(programId, from, to),
  );
  const requests = new RequestsService(db, new RequestsRepository(), projectsRepository, programs, catalog, audit);
  const notifications = new NotificationsService(db, new NotificationsRepository(), outbox, config.publicUrl);
  const webhooks = new WebhooksService(db, new WebhooksRepository(), programs, new ProgramsRepository(), audit, secrets);
  const stories = new StoriesService(db, new StoriesRepository(), projectsRepository, programs, notifications, audit);
  const directory = new DirectoryService(db, new DirectoryRepository(), stories, audit);

  // --- GitHub issue intake (server/src/intake) -----------------------------------------------------
  const intakeRepository = new IntakeRepository();
  const githubApi = config.githubApi;
  const githubReplies = new GithubReplies(
    db,
    intakeRepository,
    catalog,
    githubApi?.token ? new GithubClient({ url: githubApi.url, token: githubApi.token }) : null,
    config.publicUrl,
  );
  requests.onTransition(githubReplies.onTransition);
  const intake = new IntakeService({
    db,
    intake: intakeRepository,
    requestsRepository: new RequestsRepository(),
    requests,
    programsRepository: new ProgramsRepository(),
    programs,
    projects: projectsRepository,
    catalog,
    audit,
    replies: githubReplies,
    botLogin: githubApi?.botLogin ?? null,
  });
  // --- end GitHub issue intake ---------------------------------------------------------------------

  // --- review and grants ---------------------------------------------------------------------------
  const grants = new GrantsService({
    db,
    grants: new GrantsRepository(),
    requestRows: new RequestsRepository(),
    requests,
    projects: projectsRepository,
    programs,
    audit,
    notifications,
    webhooks,
    // What grants spent comes from metering, built below.
    spend: (grantId, from, to): Promise<number> => metering.grantSpend(grantId, from, to),
  });
  // Built here (it needs nothing below) because review's evidence reads it.
  const insight = new InsightService(db, { insight: new InsightRepository(), audit, outbox, publicUrl: config.publicUrl });
  const review = new ReviewService({
    db,
    review: new ReviewRepository(),
    requestRows: new RequestsRepository(),
    programRows: new ProgramsRepository(),
    projects: projectsRepository,
    requests,
    programs,
    grants,
    catalog,
    stories,
    notifications,
    webhooks,
    audit,
    insight,
    // A queue page shows requests, programs and projects' names.
    pages: new PageCache(listener, [REVIEW_CHANNEL, PROJECTS_CHANNEL]),
  });
  // Submission is announced before auto-approval can decide it, so webhooks get them in that order.
  requests.onTransition(review.announceSubmitted);
  requests.onTransition(review.autoApprove);
  // --- end review and grants -----------------------------------------------------------------------

  // --- metering and reports ------------------------------------------------------------------------
  const metering: MeteringService = new MeteringService(db, { metering: new MeteringRepository(), programs, notifications, webhooks });
  const reports = new ReportsService(db, { reports: new ReportsRepository(), metering, programs });
  // --- end metering and reports --------------------------------------------------------------------

  // --- machine back ends: one registry for enrollment probes and workflows ---------------------------
  const bmcActions = new BmcActionsRepository();
  // Workflow bookkeeping: BMC action records and timeline progress steps (decision 0014).
  const bookkeeping = config.bookkeepingDb ?? db;
  const registry = new ProviderRegistry({
    // It reads and writes bmc_actions only.
    db: bookkeeping,
    actions: bmcActions,
    providers:
      config.providers instanceof Map ? [...config.providers.values()] : [new RedfishProvider(), createLabProvider(), new ManualProvider()],
    secrets,
  });

  // --- inventory -----------------------------------------------------------------------------------
  const inventory = new InventoryService(
    db,
    {
      inventory: new InventoryRepository(),
      catalog,
      audit,
      secrets,
      providers: config.providers ?? registry,
    },
    { probeTimeoutMs: config.probeTimeoutMs },
  );
  // --- end inventory -------------------------------------------------------------------------------

  // --- servers and provisioning workflows ----------------------------------------------------------
  const serversRepository = new ServersRepository();
  const servers = new ServersService(
    db,
    {
      servers: serversRepository,
      projects: projectsRepository,
      keys: new KeysRepository(),
      catalog,
      audit,
      control: registry,
      tokens: new ProvisionTokens(config.secretKey),
      bookkeeping,
    },
    { ...DEFAULT_PROVISIONING, ...config.provisioning },
  );
  // Over-cap power-offs under a program's power_off policy go through the servers' own transition.
  metering.setPowerOff((serverId, reason) => servers.powerOffBySystem(serverId, reason));
  const operatorTasks = new OperatorTasksService(db, {
    tasks: new OperatorTasksRepository(),
    actions: bmcActions,
    servers: serversRepository,
    workflows: servers,
    audit,
    timeoutSeconds: config.provisioning?.operatorTimeoutSeconds ?? DEFAULT_PROVISIONING.operatorTimeoutSeconds,
  });
  // --- end servers ---------------------------------------------------------------------------------

  // --- supply-chain insight: InsightService is built above, before review --------------------------

  return {
    listener,
    registry,
    servers,
    operatorTasks,
    serversRepository,
    intake,
    githubReplies,
    db,
    audit,
    accounts,
    verification,
    projects,
    members,
    keys,
    sso,
    mailer,
    outbox,
    secrets,
    catalog,
    programs,
    requests,
    notifications,
    webhooks,
    stories,
    directory,
    grants,
    review,
    metering,
    reports,
    inventory,
    insight,
  };
}

export async function createApp(db: Db, config: SurplusConfig): Promise<{ app: App; services: Services }> {
  const services = createServices(db, config);
  const app = await createHttpServer({
    logger: config.logger,
    cookieSecret: config.cookieSecret,
    isSecureCookie: config.isSecureCookie,
    webDir: config.webDir,
    version: config.version,
    authenticate: {
      session: (secret) => services.accounts.authenticateSession(secret),
      token: (secret) => services.accounts.authenticateToken(secret),
    },
    resolveProject: (key, actor) => services.projects.resolve(key, actor),
    metrics: config.hasMetrics ? new Metrics() : null,
    isReady: async () => {
      await sql`select 1`.execute(db);
      return true;
    },
  });
  accountsRoutes(app, {
    accounts: services.accounts,
    verification: services.verification,
    sso: services.sso,
    publicUrl: config.publicUrl,
    isSecureCookie: config.isSecureCookie,
  });
  projectsRoutes(app, { projects: services.projects, members: services.members, audit: services.audit, db });
  keysRoutes(app, { keys: services.keys });
  auditRoutes(app, { audit: services.audit, db });
  catalogRoutes(app, { catalog: services.catalog });
  programsRoutes(app, { programs: services.programs });
  requestsRoutes(app, { requests: services.requests });
  notificationsRoutes(app, { notifications: services.notifications });
  webhooksRoutes(app, { webhooks: services.webhooks });
  storiesRoutes(app, { stories: services.stories });
  directoryRoutes(app, { directory: services.directory });
  reviewRoutes(app, { review: services.review });
  grantsRoutes(app, { grants: services.grants });
  // GitHub issue intake
  githubWebhookRoutes(app, { intake: services.intake });
  claimsRoutes(app, { intake: services.intake });
  meteringRoutes(app, { metering: services.metering });
  reportsRoutes(app, { reports: services.reports });
  inventoryRoutes(app, { inventory: services.inventory });
  serversRoutes(app, { servers: services.servers });
  operatorTasksRoutes(app, { tasks: services.operatorTasks });
  insightRoutes(app, { insight: services.insight });
  app.addHook('onClose', async () => services.mailer.close());
  // A read after a write answered here must see it, also from the caches (PageCache).
  app.addHook('onSend', async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS') services.listener.noteWrite();
  });
  await services.listener.start();
  app.addHook('onClose', async () => services.listener.close());
  return { app, services };
}

export function jobHandlers(services: Services): JobHandlers {
  return {
    mail_send: async (payload) => services.mailer.deliver(String(payload.email_id)),
    invitations_expire: async () => services.members.expireInvitations(),
    webhook_deliver: async (payload) => services.webhooks.deliver(String(payload.delivery_id)),
    github_reply: async (payload) => services.githubReplies.run(payload),
    review_overdue: async () => services.review.notifyOverdue(),
    usage_alerts: async () => services.metering.runAlerts(),
    idle_servers: async () => services.metering.runIdle(),
    traffic_counters: async () => services.metering.readCounters(),
    grants_expiry: async () => services.grants.runExpiry(),
    grant_ended: async (payload) => {
      await services.grants.recordEnded(String(payload.grant_id));
      // The grant's servers go back to the pool: each is deleted (powered off, wiped) like any other.
      await services.servers.reclaimGrant(String(payload.grant_id));
    },
    machine_enroll: async (payload) => services.inventory.runProbe(String(payload.machine_id)),
    server_provision: async (payload) =>
      services.servers.provision(String(payload.server_id), Number(payload.generation ?? 0), payload.preserve_data === true),
    server_power: async (payload) => services.servers.powerAction(String(payload.server_id), payload.action as 'on' | 'off' | 'reboot'),
    server_deprovision: async (payload) => services.servers.deprovision(String(payload.server_id)),
    server_watchdog: async (payload) =>
      services.servers.watchdog(String(payload.server_id), Number(payload.generation ?? 0), payload.wipe === true),
    servers_reap: async () => services.servers.reapDue(),
    operator_tasks_expire: async () => services.operatorTasks.expireOverdue(),
  };
}

// minute hour day month weekday task
export const CRONTAB = `
*/15 * * * * invitations_expire
0 * * * * review_overdue
15 0 * * * grants_expiry
*/15 * * * * usage_alerts
40 * * * * idle_servers
*/5 * * * * traffic_counters
* * * * * servers_reap
*/5 * * * * operator_tasks_expire
`;
