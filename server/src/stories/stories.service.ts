import type { AuditService } from '../audit/audit.service.ts';
import type { Db, Executor } from '../db/database.ts';
import { type Actor, isAdmin, isStaff, type SignedIn } from '../http/context.ts';
import { fail, invalid, notFound, withArticle } from '../http/errors.ts';
import { decodeKeyset, toPage } from '../http/pagination.ts';
import type { ProjectAccess } from '../http/policy.ts';
import type { NotificationsService } from '../notifications/notifications.service.ts';
import type { ProgramsService } from '../programs/programs.service.ts';
import { renderMarkdown } from '../projects/markdown.ts';
import type { ProjectsRepository } from '../projects/projects.repository.ts';
import type { StoriesRepository, StoryRow } from './stories.repository.ts';
import type { PublicStory, Story, StoryCreateBody, StoryQueueQuery, StoryUpdateBody } from './stories.schemas.ts';

/**
 * Impact stories: a project's owners write one (draft), edit it and submit it; reviewers publish it
 * or send it back with a note (which also takes a published story down). Published stories are
 * public, on their own and in the directory.
 */
export class StoriesService {
  private readonly db: Db;
  private readonly stories: StoriesRepository;
  private readonly projects: ProjectsRepository;
  private readonly programs: ProgramsService;
  private readonly notifications: NotificationsService;
  private readonly audit: AuditService;

  constructor(
    db: Db,
    stories: StoriesRepository,
    projects: ProjectsRepository,
    programs: ProgramsService,
    notifications: NotificationsService,
    audit: AuditService,
  ) {
    this.db = db;
    this.stories = stories;
    this.projects = projects;
    this.programs = programs;
    this.notifications = notifications;
    this.audit = audit;
  }

  async listForProject(access: ProjectAccess): Promise<Story[]> {
    return (await this.stories.listForProject(this.db, access.project.id)).map(toStory);
  }

  async create(ctx: SignedIn, access: ProjectAccess, body: StoryCreateBody): Promise<Story> {
    const projectId = access.project.id;
    const id = await this.db.transaction().execute(async (tx) => {
      const programId = body.program ? await this.grantingProgram(tx, body.program, projectId) : null;
      const storyId = await this.stories.insert(tx, {
        project_id: projectId,
        program_id: programId,
        title: body.title,
        body_md: body.body,
        body_html: renderMarkdown(body.body),
        author_user_id: ctx.actor.userId,
      });
      await this.audit.record(tx, ctx, {
        action: 'story.created',
        targetType: 'story',
        targetId: storyId,
        projectId,
        summary: { title: body.title, program_id: programId },
      });
      return storyId;
    });
    return this.get(ctx.actor, id);
  }

  /** Members and staff see a project's stories in every state; others see only published ones. */
  async get(actor: Actor, id: string): Promise<Story> {
    const story = await this.stories.findById(this.db, id);
    if (!story) notFound('Story');
    if (story.state !== 'published' && !isStaff(actor) && (await this.projects.roleOf(this.db, story.project_id, actor.userId)) === null) {
      notFound('Story');
    }
    return toStory(story);
  }

  async update(ctx: SignedIn, id: string, body: StoryUpdateBody): Promise<Story> {
    await this.db.transaction().execute(async (tx) => {
      const story = await this.writable(tx, ctx.actor, id);
      if (story.state !== 'draft')
        fail('ERR_CONFLICT', `${withArticle(story.state, true)} story cannot be edited; staff can send it back to draft.`);
      const patch: Parameters<StoriesRepository['update']>[2] = {};
      if (body.title !== undefined) patch.title = body.title;
      if (body.body !== undefined) {
        patch.body_md = body.body;
        patch.body_html = renderMarkdown(body.body);
      }
      if (body.program !== undefined)
        patch.program_id = body.program ? await this.grantingProgram(tx, body.program, story.project_id) : null;
      await this.stories.update(tx, id, patch);
      await this.audit.record(tx, ctx, {
        action: 'story.updated',
        targetType: 'story',
        targetId: id,
        projectId: story.project_id,
        summary: {
          ...(patch.title !== undefined ? { title: { from: story.title, to: patch.title } } : {}),
          ...(patch.body_md !== undefined ? { body: { changed: patch.body_md !== story.body_md } } : {}),
          ...(patch.program_id !== undefined ? { program_id: { from: story.program_id, to: patch.program_id } } : {}),
        },
      });
    });
    return this.get(ctx.actor, id);
  }

  async submit(ctx: SignedIn, id: string): Promise<Story> {
    await this.db.transaction().execute(async (tx) => {
      const story = await this.writable(tx, ctx.actor, id);
      await this.move(tx, ctx, story, 'draft', 'submitted', null);
      // The program's staff look after its stories; a story about no program goes to every reviewer.
      const staff = story.program_id ? await this.notifications.programStaffIds(tx, story.program_id) : [];
      await this.notifications.notify(tx, {
        userIds: staff.length > 0 ? staff : await this.notifications.reviewerIds(tx),
        kind: 'story.submitted',
        title: `Story to review: ${story.title}`,
        body: 'A project submitted an impact story for publication.',
        link: `/stories/${id}`,
      });
    });
    return this.get(ctx.actor, id);
  }

  async publish(ctx: SignedIn, id: string): Promise<Story> {
    await this.db.transaction().execute(async (tx) => {
      const story = await this.locked(tx, id);
      await this.move(tx, ctx, story, 'submitted', 'published', null);
      await this.notifications.notify(tx, {
        userIds: await this.notifications.projectOwnerIds(tx, story.project_id),
        kind: 'story.published',
        title: `Your story is published: ${story.title}`,
        body: 'Staff published your impact story; it is now public.',
        link: `/stories/${id}`,
        email: true,
      });
    });
    return this.get(ctx.actor, id);
  }

  async sendBack(ctx: SignedIn, id: string, reason: string): Promise<Story> {
    await this.db.transaction().execute(async (tx) => {
      const story = await this.locked(tx, id);
      if (story.state === 'draft') fail('ERR_CONFLICT', 'The story is already a draft.');
      await this.move(tx, ctx, story, story.state, 'draft', reason);
      await this.notifications.notify(tx, {
        userIds: await this.notifications.projectOwnerIds(tx, story.project_id),
        kind: 'story.sent_back',
        title: `Your story needs changes: ${story.title}`,
        body: reason,
        link: `/stories/${id}`,
        email: true,
      });
    });
    return this.get(ctx.actor, id);
  }

  async queue(query: StoryQueueQuery) {
    const rows = await this.stories.listByState(this.db, { state: query.state, after: decodeKeyset(query.cursor), limit: query.limit });
    return toPage(rows, query.limit, toStory, (row) => ({ at: row.created_at, id: row.id }));
  }

  async listPublished(query: { cursor?: string; limit: number }) {
    const rows = await this.stories.listPublished(this.db, { after: decodeKeyset(query.cursor), limit: query.limit });
    return toPage(rows, query.limit, toPublicStory, (row) => ({ at: row.published_at as Date, id: row.id }));
  }

  /** Published stories of these projects, for the directory. */
  async publishedFor(db: Executor, projectIds: string[]): Promise<Map<string, PublicStory[]>> {
    const byProject = new Map<string, PublicStory[]>();
    for (const row of await this.stories.listPublished(db, { projectIds })) {
      byProject.set(row.project_id, [...(byProject.get(row.project_id) ?? []), toPublicStory(row)]);
    }
    return byProject;
  }

  /** The one way a story changes state: checks where it is, stamps the times, audits, in `tx`. */
  private async move(
    tx: Executor,
    ctx: SignedIn,
    story: { id: string; project_id: string; state: string },
    from: 'draft' | 'submitted' | 'published',
    to: 'draft' | 'submitted' | 'published',
    note: string | null,
  ) {
    if (story.state !== from) fail('ERR_CONFLICT', `${withArticle(story.state, true)} story cannot become ${to}.`);
    const now = new Date();
    await this.stories.update(tx, story.id, {
      state: to,
      review_note: note,
      ...(to === 'submitted' ? { submitted_at: now } : {}),
      ...(to === 'published' ? { published_at: now } : {}),
      ...(to === 'draft' ? { submitted_at: null, published_at: null } : {}),
    });
    await this.audit.record(tx, ctx, {
      action: to === 'draft' ? 'story.sent_back' : `story.${to}`,
      targetType: 'story',
      targetId: story.id,
      projectId: story.project_id,
      summary: { from, to, ...(note ? { note } : {}) },
    });
  }

  private async locked(tx: Executor, id: string) {
    const story = await this.stories.lock(tx, id);
    if (!story) notFound('Story');
    return story;
  }

  /** Only the project's owners (and admins) change a story; whoever cannot see it gets "not found". */
  private async writable(tx: Executor, actor: Actor, id: string) {
    const story = await this.locked(tx, id);
    const role = await this.projects.roleOf(tx, story.project_id, actor.userId);
    if (role === 'owner' || isAdmin(actor)) return story;
    if (role === null && !isStaff(actor) && story.state !== 'published') notFound('Story');
    return fail('ERR_FORBIDDEN', 'Only the project’s owners can change its stories.');
  }

  /** A story names a program only when that program has granted the project something. */
  private async grantingProgram(tx: Executor, key: string, projectId: string): Promise<string> {
    const program = await this.programs.find(key).catch(() => invalid('program', 'no such program'));
    if (!(await this.stories.hasGrant(tx, program.id, projectId))) invalid('program', 'has not granted this project anything');
    return program.id;
  }
}

function toStory(row: StoryRow): Story {
  return {
    id: row.id,
    project: { id: row.project_id, slug: row.project_slug, name: row.project_name },
    program:
      row.program_id && row.program_slug && row.program_name
        ? { id: row.program_id, slug: row.program_slug, name: row.program_name }
        : null,
    title: row.title,
    body: row.body_md,
    body_html: row.body_html,
    state: row.state,
    review_note: row.review_note,
    author: row.author_name,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    submitted_at: row.submitted_at?.toISOString() ?? null,
    published_at: row.published_at?.toISOString() ?? null,
  };
}

function toPublicStory(row: StoryRow): PublicStory {
  return {
    id: row.id,
    title: row.title,
    body_html: row.body_html,
    published_at: (row.published_at as Date).toISOString(),
    project: { slug: row.project_slug, name: row.project_name },
    // A program that is not public stays unnamed on public pages.
    program: row.program_slug && row.program_name && row.program_is_public ? { slug: row.program_slug, name: row.program_name } : null,
  };
}
