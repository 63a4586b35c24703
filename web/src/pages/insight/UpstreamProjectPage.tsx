import { unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Badge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonAnchor } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { relativeTime } from '../../components/time.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { InviteDialog } from './InviteDialog.tsx';
import { CoverageBadge, compact, Stat } from './parts.tsx';

/** One upstream project: why it ranks where it does, who supports it, where our products use it. */
export function UpstreamProjectPage() {
  const { id = '' } = useParams();
  const { client } = useSession();
  const project = useResource(`insight:project:${id}`, () =>
    unwrap(client.GET('/api/v1/insight/projects/{id}', { params: { path: { id } } })),
  );
  const [isInviting, setIsInviting] = useState(false);

  if (project.isLoading && !project.data) return <PageLoading />;
  if (!project.data) return <ErrorBanner error={project.error} onRetry={project.reload} />;
  const p = project.data;
  const title = p.kind === 'group' ? p.name : (p.repository ?? p.key);
  const terms = [
    { label: 'usage', value: p.terms.usage, sub: `4 · log2(1 + ${p.products.length} products)` },
    { label: 'proximity', value: p.terms.proximity, sub: `4 / depth ${p.min_depth}` },
    { label: 'breadth', value: p.terms.breadth, sub: `2 · log2(1 + ${p.packages} packages)` },
    { label: 'reach', value: p.terms.reach, sub: `log2(1 + ${compact(p.paths)} paths)` },
    {
      label: 'signals',
      value: p.terms.signals,
      sub:
        p.criticality_score === null && p.dependents_count === null
          ? 'none imported'
          : `4 · ${p.criticality_score ?? 0} + log10(1 + ${compact(p.dependents_count ?? 0)})`,
    },
    { label: 'dev factor', value: `× ${p.terms.dev_factor}`, sub: p.dev_only ? 'dev only everywhere' : 'shipped' },
  ];
  return (
    <>
      <PageHeader
        title={
          <>
            {title} <CoverageBadge coverage={p.coverage} />
          </>
        }
        description={`Rank ${p.rank} across the portfolio, score ${p.score.toFixed(2)}.`}
        breadcrumbs={[
          { label: 'Supply chain', to: '/supply-chain' },
          { label: 'Upstream projects', to: '/supply-chain/projects' },
        ]}
        actions={
          <>
            {p.repository ? (
              <ButtonAnchor href={`https://${p.repository}`} target="_blank" rel="noreferrer">
                <Icon name="external" />
                Repository
              </ButtonAnchor>
            ) : null}
            {p.invitable ? (
              <Button variant="primary" onClick={() => setIsInviting(true)}>
                <Icon name="mail" />
                Invite to apply
              </Button>
            ) : null}
          </>
        }
      />
      <Card
        title="Why it ranks here"
        description={`score = (usage + proximity + breadth + reach + signals) × dev factor = (${p.terms.usage} + ${p.terms.proximity} + ${p.terms.breadth} + ${p.terms.reach} + ${p.terms.signals}) × ${p.terms.dev_factor} = ${p.score}`}
      >
        <div className="sc-formula">
          {terms.map((term) => (
            <Stat key={term.label} label={term.label} value={term.value} sub={term.sub} />
          ))}
        </div>
      </Card>
      <Card title="Coverage">
        {p.surplus_projects.length ? (
          <ul className="stack">
            {p.surplus_projects.map((s) => (
              <li key={s.id}>
                <Link to={`/projects/${s.slug}`}>{s.name}</Link>{' '}
                {s.is_supported ? <Badge tone="green">grant running</Badge> : <Badge tone="yellow">no running grant</Badge>}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">
            No Surplus project has {p.repositories.length > 1 ? 'these repositories' : 'this repository'}
            {p.repositories.length ? `: ${p.repositories.join(', ')}` : ' (it has no known repository)'}.
          </p>
        )}
        {p.funding.length ? (
          <p className="small">
            Funding:{' '}
            {p.funding.map((url) => (
              <a key={url} href={url} target="_blank" rel="noreferrer">
                {url}{' '}
              </a>
            ))}
          </p>
        ) : null}
      </Card>
      <Card title="Where our products use it" description="Each package links to every path from the product to it.">
        <div className="stack">
          {p.usage.map((use) => (
            <div key={`${use.product.id}:${use.repository ?? ''}`}>
              <div>
                <Link className="cell-title" to={`/supply-chain/products/${use.product.slug}`}>
                  {use.product.name}
                </Link>{' '}
                <span className="small muted">
                  {use.packages} package{use.packages === 1 ? '' : 's'} · depth {use.min_depth} · {compact(use.paths)} path
                  {use.paths === 1 ? '' : 's'}
                  {use.direct ? ' · direct' : ''}
                  {use.dev_only ? ' · dev only' : ''}
                  {p.kind === 'group' && use.repository ? ` · ${use.repository}` : ''}
                </span>
              </div>
              <ul className="sc-purls">
                {use.purls.map((purl) => (
                  <li key={purl}>
                    <Link
                      to={`/supply-chain/products/${use.product.slug}/paths?purl=${encodeURIComponent(purl)}`}
                      title="Why is this here?"
                    >
                      {purl}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      </Card>
      {p.invitations.length ? (
        <Card title="Invitations">
          <ul className="stack">
            {p.invitations.map((invitation) => (
              <li key={invitation.id} className="small">
                {invitation.channel === 'email' ? `Email to ${invitation.email}` : `Issue prepared for ${invitation.repository}`} ·{' '}
                {relativeTime(invitation.created_at)}
                {invitation.invited_by ? ` by ${invitation.invited_by}` : ''}
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
      <InviteDialog project={isInviting ? p : null} onClose={() => setIsInviting(false)} onInvited={project.reload} />
    </>
  );
}
