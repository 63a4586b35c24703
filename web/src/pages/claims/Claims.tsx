import { type Schemas, unwrap } from '@surplus/api-client';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonAnchor } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { SelectField, TextField } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { RequestStateBadge } from '../requests/RequestBadges.tsx';

type Claim = Schemas['ProjectClaim'];
type OwnedProject = { id: string; slug: string; name: string };

function ClaimCard({ claim, ownedProjects }: { claim: Claim; ownedProjects: OwnedProject[] }) {
  const { client } = useSession();
  const toast = useToast();
  const navigate = useNavigate();
  const [mode, setMode] = useState<'new' | 'link'>(ownedProjects.length > 0 ? 'link' : 'new');
  const [project, setProject] = useState(ownedProjects[0]?.slug ?? '');
  const [name, setName] = useState(claim.suggested_name);
  const [repository, setRepository] = useState(claim.repository_url ?? '');
  const [licence, setLicence] = useState('');
  const accept = useAction(async () => {
    const body =
      mode === 'link'
        ? { project }
        : { name: name.trim(), repository_url: repository.trim() || undefined, license: licence.trim() || undefined };
    const accepted = await unwrap(client.POST('/api/v1/claims/{id}/accept', { params: { path: { id: claim.id } }, body }));
    toast.success(
      accepted.is_new_project
        ? `Registered ${accepted.project.name}; request #${accepted.request.number} is yours now.`
        : `Request #${accepted.request.number} is now linked to ${accepted.project.name}.`,
    );
    navigate(`/requests/${accepted.request.id}`);
  }, ['project', 'name', 'slug', 'repository_url', 'license']);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void accept.run(undefined);
  };
  const issueUrl =
    claim.request.github_repository && claim.request.github_issue
      ? `https://github.com/${claim.request.github_repository}/issues/${claim.request.github_issue}`
      : null;

  return (
    <Card
      title={
        <>
          {claim.request.github_issue ? `Issue #${claim.request.github_issue}: ` : ''}
          {claim.request.title}
        </>
      }
      description={
        <>
          To <strong>{claim.request.program.name}</strong>
          {claim.request.github_repository ? (
            <>
              {' '}
              in <span className="mono">{claim.request.github_repository}</span>
            </>
          ) : null}
          , opened by @{claim.github_login} <Time iso={claim.created_at} />.
        </>
      }
      actions={
        <>
          <RequestStateBadge state={claim.request.state} />
          {issueUrl ? (
            <ButtonAnchor href={issueUrl} target="_blank" rel="noreferrer" size="sm">
              <Icon name="github" size={14} />
              Open on GitHub
            </ButtonAnchor>
          ) : null}
        </>
      }
    >
      <form className="form" onSubmit={submit} noValidate aria-label={`Claim request #${claim.request.number}`}>
        <ErrorBanner error={accept.bannerError} title="The request was not claimed" />
        <fieldset className="segmented" aria-label="How to claim it">
          <button type="button" aria-pressed={mode === 'new'} onClick={() => setMode('new')}>
            Register the project
          </button>
          <button
            type="button"
            aria-pressed={mode === 'link'}
            onClick={() => setMode('link')}
            disabled={ownedProjects.length === 0}
            title={ownedProjects.length === 0 ? 'You own no project yet' : undefined}
          >
            Link a project you own
          </button>
        </fieldset>
        {mode === 'link' ? (
          <SelectField
            label="Project"
            value={project}
            onChange={(event) => setProject(event.target.value)}
            error={accept.fieldError('project')}
          >
            {ownedProjects.map((owned) => (
              <option key={owned.id} value={owned.slug}>
                {owned.name}
              </option>
            ))}
          </SelectField>
        ) : (
          <>
            <div className="form-row">
              <TextField
                label="Project name"
                value={name}
                onChange={(event) => setName(event.target.value)}
                error={accept.fieldError('name') ?? accept.fieldError('slug')}
              />
              <TextField
                label="Repository"
                value={repository}
                placeholder="https://github.com/owner/repo"
                onChange={(event) => setRepository(event.target.value)}
                error={accept.fieldError('repository_url')}
              />
            </div>
            <TextField
              label="Licence (SPDX expression)"
              value={licence}
              placeholder="Apache-2.0"
              onChange={(event) => setLicence(event.target.value)}
              error={accept.fieldError('license')}
              hint="Needed to register the project; eligibility checks that it is OSI-approved."
            />
          </>
        )}
        <div className="btn-row">
          <Button type="submit" variant="primary" isLoading={accept.isRunning}>
            {mode === 'link' ? 'Link and claim' : 'Register and claim'}
          </Button>
        </div>
      </form>
    </Card>
  );
}

/** Requests opened as GitHub issues by the signed-in GitHub user, waiting to be linked to a project. */
export function Claims() {
  const { client, user } = useSession();
  const claims = useResource('claims', () => unwrap(client.GET('/api/v1/claims')));
  const projects = useResource('claims:projects', async () => {
    const page = await unwrap(client.GET('/api/v1/projects', { params: { query: { scope: 'mine', limit: 100 } } }));
    return page.items.filter((project) => project.my_role === 'owner').map(({ id, slug, name }) => ({ id, slug, name }));
  });

  const header = (
    <PageHeader
      title="GitHub claims"
      description="Issues you opened in a program’s GitHub repository before you had a project here. Claim one to follow and change it in Surplus."
    />
  );
  if ((claims.isLoading && !claims.data) || (projects.isLoading && !projects.data)) return <PageLoading label="Loading claims…" />;
  if (claims.error || !claims.data)
    return (
      <>
        {header}
        <ErrorBanner error={claims.error} onRetry={claims.reload} />
      </>
    );
  return (
    <div className="main-narrow">
      {header}
      {!user?.github_login ? (
        <EmptyState icon="github" title="Sign in with GitHub to see your issues">
          Claims belong to the GitHub account that opened the issue. <Link to="/profile">Link your GitHub account</Link> first.
        </EmptyState>
      ) : claims.data.items.length === 0 ? (
        <EmptyState icon="github" title="Nothing to claim">
          No open issue by @{claims.data.github_login} is waiting for a project.
        </EmptyState>
      ) : (
        <div className="stack">
          {claims.data.items.map((claim) => (
            <ClaimCard key={claim.id} claim={claim} ownedProjects={projects.data ?? []} />
          ))}
        </div>
      )}
    </div>
  );
}
