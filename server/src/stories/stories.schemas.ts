import { z } from 'zod';
import { PageQuery, pageOf } from '../http/pagination.ts';

export const StoryState = z.enum(['draft', 'submitted', 'published']).meta({ id: 'StoryState' });

const Ref = z.object({ id: z.uuid(), slug: z.string(), name: z.string() });

export const StoryCreateBody = z
  .strictObject({
    title: z.string().trim().min(1).max(200),
    body: z.string().trim().min(1).max(50_000).describe('Markdown.'),
    program: z.string().min(1).max(64).nullable().optional().describe('Program id or slug whose support the story is about.'),
  })
  .meta({ id: 'StoryCreateBody' });
export type StoryCreateBody = z.infer<typeof StoryCreateBody>;

export const StoryUpdateBody = StoryCreateBody.partial().meta({ id: 'StoryUpdateBody' });
export type StoryUpdateBody = z.infer<typeof StoryUpdateBody>;

export const StorySendBackBody = z
  .strictObject({ reason: z.string().trim().min(1).max(5000).describe('What the owners should change; they see it on the story.') })
  .meta({ id: 'StorySendBackBody' });

export const Story = z
  .object({
    id: z.uuid(),
    project: Ref,
    program: Ref.nullable(),
    title: z.string(),
    body: z.string().describe('Markdown as written.'),
    body_html: z.string().describe('Rendered and sanitized.'),
    state: StoryState,
    review_note: z.string().nullable().describe('Why staff sent it back, until it is submitted again.'),
    author: z.string().nullable().describe('Name of who wrote it.'),
    created_at: z.string(),
    updated_at: z.string(),
    submitted_at: z.string().nullable(),
    published_at: z.string().nullable(),
  })
  .meta({ id: 'Story' });
export type Story = z.infer<typeof Story>;

export const StoryList = z.object({ items: z.array(Story) }).meta({ id: 'StoryList' });
export const StoryPage = pageOf(Story).meta({ id: 'StoryPage' });
export const StoryQueueQuery = PageQuery.extend({ state: StoryState.default('submitted') });
export type StoryQueueQuery = z.infer<typeof StoryQueueQuery>;
export const StoryParam = z.object({ id: z.uuid() });

export const PublicStory = z
  .object({
    id: z.uuid(),
    title: z.string(),
    body_html: z.string(),
    published_at: z.string(),
    project: z.object({ slug: z.string(), name: z.string() }),
    program: z.object({ slug: z.string(), name: z.string() }).nullable(),
  })
  .meta({ id: 'PublicStory' });
export type PublicStory = z.infer<typeof PublicStory>;
export const PublicStoryPage = pageOf(PublicStory).meta({ id: 'PublicStoryPage' });
