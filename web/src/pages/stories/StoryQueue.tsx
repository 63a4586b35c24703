import { type Schemas, unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { Markdown } from '../../components/Markdown.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { useSession } from '../../session.tsx';
import { ReasonDialog } from '../requests/RequestReview.tsx';
import { StoryStateBadge } from './StoryStateBadge.tsx';

type Story = Schemas['Story'];
const STATES = [
  { value: 'submitted', label: 'Waiting' },
  { value: 'published', label: 'Published' },
  { value: 'draft', label: 'Drafts' },
] as const;

/** Staff: impact stories owners submitted, to publish or send back with a note. */
export function StoryQueue() {
  const { client, isAdmin, user } = useSession();
  const toast = useToast();
  const [params, setParams] = useSearchParams();
  const state = (params.get('state') ?? 'submitted') as Schemas['StoryState'];
  const canPublish = isAdmin || Boolean(user?.roles.includes('reviewer'));
  const list = usePagedList(`stories:${state}`, (cursor) =>
    unwrap(client.GET('/api/v1/stories', { params: { query: { state, cursor, limit: 20 } } })),
  );
  const [sendingBack, setSendingBack] = useState<Story | null>(null);
  const publish = useAction(async (story: Story) => {
    await unwrap(client.POST('/api/v1/stories/{id}/publish', { params: { path: { id: story.id } } }));
    list.setItems((items) => items.filter((item) => item.id !== story.id));
    toast.success(`Published “${story.title}”.`);
  });

  return (
    <>
      <PageHeader title="Stories" description="Impact stories project owners wrote. Published stories appear in the public directory." />
      <div className="toolbar">
        <fieldset className="segmented" aria-label="Which stories">
          {STATES.map((option) => (
            <button
              key={option.value}
              type="button"
              aria-pressed={state === option.value}
              onClick={() => setParams({ state: option.value })}
            >
              {option.label}
            </button>
          ))}
        </fieldset>
      </div>
      <ErrorBanner error={list.error ?? publish.error} onRetry={list.reload} />
      {list.isLoading ? <PageLoading label="Loading stories…" /> : null}
      {!list.isLoading && !list.error && list.items.length === 0 ? (
        <EmptyState icon="pen" title={state === 'submitted' ? 'No stories waiting' : 'No stories here'}>
          {state === 'submitted' ? 'Stories that owners submit for publishing show here.' : null}
        </EmptyState>
      ) : null}
      <div className="stack-lg">
        {list.items.map((story) => (
          <article key={story.id} className="card story-card" aria-labelledby={`story-${story.id}`}>
            <div className="card-header">
              <div>
                <h2 id={`story-${story.id}`}>{story.title}</h2>
                <p>
                  <Link to={`/projects/${story.project.slug}/stories`}>{story.project.name}</Link>
                  {story.program ? ` · ${story.program.name}` : ''}
                  {story.author ? ` · by ${story.author}` : ''} ·{' '}
                  {story.submitted_at ? (
                    <>
                      submitted <Time iso={story.submitted_at} />
                    </>
                  ) : (
                    <Time iso={story.updated_at} />
                  )}
                </p>
              </div>
              <div className="btn-row">
                <StoryStateBadge state={story.state} />
                {canPublish && story.state === 'submitted' ? (
                  <>
                    <Button size="sm" onClick={() => setSendingBack(story)}>
                      Send back
                    </Button>
                    <Button size="sm" variant="primary" onClick={() => void publish.run(story)} isLoading={publish.isRunning}>
                      Publish
                    </Button>
                  </>
                ) : null}
                {canPublish && story.state === 'published' ? (
                  <Button size="sm" onClick={() => setSendingBack(story)}>
                    Unpublish
                  </Button>
                ) : null}
              </div>
            </div>
            <div className="card-body">
              <Markdown html={story.body_html} />
            </div>
          </article>
        ))}
      </div>
      {list.hasMore ? (
        <div className="list-footer" style={{ borderTop: 0 }}>
          <Button onClick={list.loadMore} isLoading={list.isLoadingMore}>
            Load more
          </Button>
        </div>
      ) : null}
      <ReasonDialog
        isOpen={sendingBack !== null}
        title={sendingBack?.state === 'published' ? `Unpublish “${sendingBack.title}”?` : `Send “${sendingBack?.title ?? ''}” back`}
        label="What should change"
        hint="The owners see this on the story; it goes back to draft."
        confirmLabel="Send back to draft"
        isRequired
        onClose={() => setSendingBack(null)}
        onConfirm={async (reason) => {
          if (!sendingBack) return;
          await unwrap(client.POST('/api/v1/stories/{id}/send-back', { params: { path: { id: sendingBack.id } }, body: { reason } }));
          list.setItems((items) => items.filter((item) => item.id !== sendingBack.id));
          setSendingBack(null);
          toast.success('Sent back to the owners.');
        }}
      />
    </>
  );
}
