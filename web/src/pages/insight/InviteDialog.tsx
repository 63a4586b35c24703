import { type Schemas, unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonAnchor } from '../../components/Button.tsx';
import { CopyButton } from '../../components/CopyButton.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { TextAreaField, TextField } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useSession } from '../../session.tsx';
import type { UpstreamProject } from './parts.tsx';

type InviteResult = Schemas['InviteResult'];

/**
 * Invites an upstream project the program does not support to apply: an email Surplus sends, or the
 * text of an issue for the project's own tracker, with a link that opens the form filled in.
 */
export function InviteDialog({
  project,
  onClose,
  onInvited,
}: {
  project: Pick<UpstreamProject, 'id' | 'name' | 'repository' | 'repositories' | 'kind'> | null;
  onClose: () => void;
  onInvited?: () => void;
}) {
  const { client } = useSession();
  const toast = useToast();
  const [channel, setChannel] = useState<'github_issue' | 'email'>('github_issue');
  const [email, setEmail] = useState('');
  const [message, setMessage] = useState('');
  const [result, setResult] = useState<InviteResult | null>(null);
  const invite = useAction(
    () =>
      unwrap(
        client.POST('/api/v1/insight/projects/{id}/invite', {
          params: { path: { id: project?.id ?? '' } },
          body: { channel, email: channel === 'email' ? email : undefined, message: message.trim() || undefined },
        }),
      ),
    ['email', 'message'],
  );

  const close = () => {
    setResult(null);
    setMessage('');
    setEmail('');
    invite.reset();
    onClose();
  };

  const submit = async () => {
    const done = await invite.run(undefined);
    if (!done) return;
    onInvited?.();
    if (done.channel === 'email') {
      toast.success(`Invitation to ${done.repository} queued for ${done.to}.`);
      close();
    } else setResult(done);
  };

  const name = project ? (project.kind === 'group' ? project.name : (project.repository ?? project.name)) : '';
  return (
    <Dialog
      isOpen={project !== null}
      title={result ? 'Issue prepared' : `Invite ${name} to apply`}
      onClose={close}
      onSubmit={result ? undefined : submit}
      footer={
        result ? (
          <>
            <CopyButton text={`${result.subject}\n\n${result.body}`} label="Copy text" />
            {result.new_issue_url ? (
              <ButtonAnchor variant="primary" href={result.new_issue_url} target="_blank" rel="noreferrer">
                <Icon name="external" />
                Open the issue form
              </ButtonAnchor>
            ) : null}
            <Button onClick={close}>Done</Button>
          </>
        ) : (
          <>
            <Button onClick={close}>Cancel</Button>
            <Button type="submit" variant="primary" isLoading={invite.isRunning}>
              {channel === 'email' ? 'Send invitation' : 'Prepare issue'}
            </Button>
          </>
        )
      }
    >
      {result ? (
        <div className="stack">
          <p className="muted small">
            Open the form on {result.repository} to file it as yourself, or copy the text. The invitation is recorded either way.
          </p>
          <TextField label="Title" value={result.subject} readOnly />
          <TextAreaField label="Body" className="sc-issue" value={result.body} readOnly />
        </div>
      ) : (
        <div className="stack">
          <ErrorBanner error={invite.bannerError} />
          <fieldset className="segmented" aria-label="How to invite">
            <button type="button" aria-pressed={channel === 'github_issue'} onClick={() => setChannel('github_issue')}>
              Prepare an issue
            </button>
            <button type="button" aria-pressed={channel === 'email'} onClick={() => setChannel('email')}>
              Send an email
            </button>
          </fieldset>
          {channel === 'email' ? (
            <TextField
              label="Email address"
              type="email"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              error={invite.fieldError('email')}
              hint="The maintainers’ address: a security or contact address from the project’s README."
            />
          ) : null}
          <TextAreaField
            label="A paragraph of your own"
            isOptional
            rows={3}
            value={message}
            onChange={(event) => setMessage(event.target.value)}
            error={invite.fieldError('message')}
            hint="The text says how many of our products depend on the project, never which."
          />
        </div>
      )}
    </Dialog>
  );
}
