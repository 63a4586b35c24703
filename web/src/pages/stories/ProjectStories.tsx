import { type Schemas, unwrap } from '@surplus/api-client';
import { type FormEvent, useEffect, useState } from 'react';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Field, SelectField, Switch, TextField } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { Skeleton } from '../../components/Loading.tsx';
import { Markdown } from '../../components/Markdown.tsx';
import { MarkdownEditor } from '../../components/MarkdownEditor.tsx';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { useProject } from '../projects/ProjectLayout.tsx';
import { StoryStateBadge } from './StoryStateBadge.tsx';

type Story = Schemas['Story'];

function ListingCard({ projectId, canManage }: { projectId: string; canManage: boolean }) {
  const { client } = useSession();
  const toast = useToast();
  const path = { params: { path: { project: projectId } } };
  const listing = useResource(`listing:${projectId}`, () => unwrap(client.GET('/api/v1/projects/{project}/listing', path)));
  // The switch moves at once; a refused change puts it back from the server's answer.
  const save = useAction(async (isListed: boolean) => {
    listing.setData((current) => current && { ...current, is_listed: isListed });
    try {
      const updated = await unwrap(client.PUT('/api/v1/projects/{project}/listing', { ...path, body: { is_listed: isListed } }));
      listing.setData(() => updated);
      toast.success(updated.is_listed ? 'The project is listed in the public directory.' : 'The project is no longer listed.');
    } catch (failure) {
      listing.reload();
      throw failure;
    }
  });
  const data = listing.data;
  return (
    <Card
      title="Public directory"
      description="Supported projects can appear in the sponsor’s public directory, with their published stories."
    >
      {listing.isLoading && !data ? <Skeleton width="50%" /> : null}
      <ErrorBanner error={listing.error ?? save.error} onRetry={listing.reload} />
      {data ? (
        <div className="stack">
          <Switch
            label="List the project in the public directory"
            hint="Shown while an active grant of a public program supports it: name, repository, licence, supporting programs and published stories."
            checked={data.is_listed}
            disabled={!canManage}
            onChange={(event) => void save.run(event.target.checked)}
          />
          {data.is_listed ? (
            data.is_in_directory ? (
              <p className="small">
                <Icon name="check" size={14} /> Shown in the <a href="/directory">directory</a> now.
              </p>
            ) : (
              <p className="small muted">Not shown yet: it appears once an active grant from a public program supports the project.</p>
            )
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}

function StoryEditor({
  projectId,
  story,
  programs,
  onSaved,
  onCancel,
}: {
  projectId: string;
  story: Story | null;
  programs: { slug: string; name: string }[];
  onSaved: (story: Story) => void;
  onCancel: () => void;
}) {
  const { client } = useSession();
  const [title, setTitle] = useState(story?.title ?? '');
  const [body, setBody] = useState(story?.body ?? '');
  // A project supported by one program is most likely writing about that one.
  const [program, setProgram] = useState(story ? (story.program?.slug ?? '') : programs.length === 1 ? (programs[0]?.slug ?? '') : '');
  // The project's programs may arrive after the form opened: take the default then too.
  const onlyProgram = !story && programs.length === 1 ? (programs[0]?.slug ?? '') : '';
  useEffect(() => {
    if (onlyProgram) setProgram((current) => current || onlyProgram);
  }, [onlyProgram]);
  const save = useAction(async () => {
    const fields = { title: title.trim(), body, program: program || null };
    const saved = story
      ? await unwrap(client.PATCH('/api/v1/stories/{id}', { params: { path: { id: story.id } }, body: fields }))
      : await unwrap(client.POST('/api/v1/projects/{project}/stories', { params: { path: { project: projectId } }, body: fields }));
    onSaved(saved);
  }, ['title', 'body', 'program']);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run(undefined);
  };
  return (
    <form className="form" onSubmit={submit} noValidate aria-label={story ? 'Edit story' : 'New story'}>
      <ErrorBanner error={save.bannerError} title="The story was not saved" />
      <div className="form-row">
        <TextField
          label="Title"
          value={title}
          maxLength={200}
          onChange={(event) => setTitle(event.target.value)}
          error={save.fieldError('title')}
        />
        <SelectField
          label="About the support of"
          isOptional
          value={program}
          onChange={(event) => setProgram(event.target.value)}
          error={save.fieldError('program')}
        >
          <option value="">No program in particular</option>
          {programs.map((p) => (
            <option key={p.slug} value={p.slug}>
              {p.name}
            </option>
          ))}
        </SelectField>
      </div>
      <Field label="Story" error={save.fieldError('body')} hint="What the servers made possible: numbers, users, releases. Markdown.">
        {(control) => (
          <MarkdownEditor
            label="Story editor"
            placeholder="Since March, every merge to main runs our energy model validation on bare metal…"
            value={body}
            onChange={setBody}
            error={save.fieldError('body')}
            control={control}
          />
        )}
      </Field>
      <div className="btn-row">
        <Button type="submit" variant="primary" isLoading={save.isRunning}>
          {story ? 'Save draft' : 'Create draft'}
        </Button>
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

/** The project tab "Stories": impact stories owners write and staff publish, and the directory listing. */
export function ProjectStories() {
  const { project, canManage } = useProject();
  const { client } = useSession();
  const toast = useToast();
  const isOwner = project.my_role === 'owner';
  const stories = useResource(`stories:${project.id}`, () =>
    unwrap(client.GET('/api/v1/projects/{project}/stories', { params: { path: { project: project.id } } })),
  );
  const grants = useResource(`story-programs:${project.id}`, () =>
    unwrap(client.GET('/api/v1/grants', { params: { query: { project: project.id, limit: 50 } } })),
  );
  const [editing, setEditing] = useState<Story | 'new' | null>(null);
  const submitStory = useAction(async (story: Story) => {
    const submitted = await unwrap(client.POST('/api/v1/stories/{id}/submit', { params: { path: { id: story.id } } }));
    replace(submitted);
    toast.success('Submitted: staff review the story before it is published.');
  });
  const replace = (story: Story) =>
    stories.setData((current) => {
      const items = current?.items ?? [];
      return { items: items.some((s) => s.id === story.id) ? items.map((s) => (s.id === story.id ? story : s)) : [story, ...items] };
    });
  const programs = [...new Map((grants.data?.items ?? []).map((grant) => [grant.program.slug, grant.program])).values()];
  const items = stories.data?.items ?? [];

  return (
    <div className="grid-2">
      <div className="stack-lg">
        <Card
          title="Impact stories"
          description="Tell the sponsor and the public what the servers made possible. Staff publish submitted stories."
          actions={
            isOwner && editing === null ? (
              <Button size="sm" variant="primary" onClick={() => setEditing('new')}>
                <Icon name="pen" size={14} />
                Write a story
              </Button>
            ) : null
          }
        >
          {editing === 'new' ? (
            <StoryEditor
              projectId={project.id}
              story={null}
              programs={programs}
              onSaved={(story) => {
                replace(story);
                setEditing(null);
                toast.success('Draft saved. Submit it when it is ready.');
              }}
              onCancel={() => setEditing(null)}
            />
          ) : null}
          {stories.isLoading && !stories.data ? <Skeleton width="60%" /> : null}
          <ErrorBanner error={stories.error ?? submitStory.error} onRetry={stories.reload} />
          {stories.data && items.length === 0 && editing !== 'new' ? (
            <EmptyState icon="pen" title="No stories yet">
              {isOwner ? 'Stories are how sponsors see their support pay off.' : 'The owners have not written a story yet.'}
            </EmptyState>
          ) : null}
          <ol className="story-list">
            {items.map((story) =>
              editing !== 'new' && editing?.id === story.id ? (
                <li key={story.id}>
                  <StoryEditor
                    projectId={project.id}
                    story={story}
                    programs={programs}
                    onSaved={(saved) => {
                      replace(saved);
                      setEditing(null);
                      toast.success('Draft saved.');
                    }}
                    onCancel={() => setEditing(null)}
                  />
                </li>
              ) : (
                <li key={story.id} className="story">
                  <div className="story-head">
                    <h3>{story.title}</h3>
                    <StoryStateBadge state={story.state} />
                  </div>
                  <div className="small muted">
                    {story.program ? `${story.program.name} · ` : ''}
                    {story.author ? `by ${story.author} · ` : ''}
                    {story.published_at ? (
                      <>
                        published <Time iso={story.published_at} />
                      </>
                    ) : (
                      <>
                        updated <Time iso={story.updated_at} />
                      </>
                    )}
                  </div>
                  {story.review_note ? (
                    <Banner tone="warning" title="Sent back by staff">
                      {story.review_note}
                    </Banner>
                  ) : null}
                  <Markdown html={story.body_html} />
                  {isOwner && story.state === 'draft' ? (
                    <div className="btn-row">
                      <Button size="sm" onClick={() => setEditing(story)}>
                        Edit
                      </Button>
                      <Button size="sm" variant="primary" onClick={() => void submitStory.run(story)} isLoading={submitStory.isRunning}>
                        Submit for publishing
                      </Button>
                    </div>
                  ) : null}
                </li>
              ),
            )}
          </ol>
        </Card>
      </div>
      <ListingCard projectId={project.id} canManage={isOwner || canManage} />
    </div>
  );
}
