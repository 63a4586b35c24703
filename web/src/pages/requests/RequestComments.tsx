import { type Schemas, unwrap } from '@surplus/api-client';
import { type FormEvent, useState } from 'react';
import { Avatar } from '../../components/Avatar.tsx';
import { Badge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { Field, Switch } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { Skeleton } from '../../components/Loading.tsx';
import { Markdown } from '../../components/Markdown.tsx';
import { MarkdownEditor } from '../../components/MarkdownEditor.tsx';
import { Time } from '../../components/Time.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';

type Comment = Schemas['RequestComment'];

/** The conversation on a request: applicants and staff; staff can leave notes the applicant never sees. */
export function RequestComments({ requestId }: { requestId: string }) {
  const { client, isStaff } = useSession();
  const path = { params: { path: { id: requestId } } };
  const comments = useResource(`comments:${requestId}`, () => unwrap(client.GET('/api/v1/requests/{id}/comments', path)));
  const [body, setBody] = useState('');
  const [isStaffOnly, setIsStaffOnly] = useState(false);
  const post = useAction(async () => {
    const created = await unwrap(client.POST('/api/v1/requests/{id}/comments', { ...path, body: { body, is_staff_only: isStaffOnly } }));
    comments.setData((current) => ({ items: [...(current?.items ?? []), created] }));
    setBody('');
  }, ['body', 'is_staff_only']);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (body.trim()) void post.run(undefined);
  };
  const items: Comment[] = comments.data?.items ?? [];

  return (
    <Card title={`Comments${items.length ? ` (${items.length})` : ''}`} id="comments">
      {comments.isLoading && !comments.data ? (
        <div className="stack">
          <Skeleton width="60%" />
          <Skeleton width="80%" />
        </div>
      ) : null}
      <ErrorBanner error={comments.error} onRetry={comments.reload} />
      {comments.data && items.length === 0 ? (
        <p className="muted">No comments yet. Questions and answers about the request go here.</p>
      ) : null}
      {items.length > 0 ? (
        <ol className="comments">
          {items.map((comment) => (
            <li key={comment.id} className={comment.is_staff_only ? 'comment comment-staff' : 'comment'}>
              <Avatar name={comment.author.name} />
              <div className="comment-body">
                <div className="comment-meta">
                  <span className="cell-title">{comment.author.name}</span>
                  <Time iso={comment.created_at} />
                  {comment.is_staff_only ? (
                    <Badge tone="purple" title="Seen by program staff only, never by the applicant">
                      <Icon name="lock" size={12} />
                      Staff only
                    </Badge>
                  ) : null}
                </div>
                <Markdown html={comment.body_html} />
              </div>
            </li>
          ))}
        </ol>
      ) : null}
      <form className="form comment-form" onSubmit={submit} aria-label="Add a comment">
        <ErrorBanner error={post.bannerError} title="The comment was not posted" />
        <Field label="Add a comment" error={post.fieldError('body')}>
          {(control) => (
            <MarkdownEditor
              label="Comment editor"
              placeholder={
                isStaff
                  ? 'Ask the applicant, or note something for the other reviewers. Markdown works.'
                  : 'Answer the reviewers or add details. Markdown works.'
              }
              value={body}
              onChange={setBody}
              error={post.fieldError('body')}
              control={control}
              isCompact
            />
          )}
        </Field>
        <div className="btn-row btn-row-between">
          {isStaff ? (
            <Switch
              label="Staff only"
              hint="A note for reviewers; the applicant never sees it."
              checked={isStaffOnly}
              onChange={(event) => setIsStaffOnly(event.target.checked)}
            />
          ) : (
            <span />
          )}
          <Button type="submit" variant="primary" isLoading={post.isRunning} disabled={!body.trim()}>
            {isStaffOnly ? 'Add staff note' : 'Comment'}
          </Button>
        </div>
      </form>
    </Card>
  );
}
