import { unwrap } from '@surplus/api-client';
import { Fragment, useState } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { Badge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { TextField } from '../../components/Field.tsx';
import { Skeleton } from '../../components/Loading.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { compact } from './parts.tsx';

/** "Why is this here?": every path from the product to a package in its newest upload. */
export function DependencyPaths() {
  const { product = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const purl = params.get('purl') ?? '';
  const [query, setQuery] = useState(purl);
  const { client } = useSession();
  const productView = useResource(`insight:product-name:${product}`, () =>
    unwrap(client.GET('/api/v1/products/{product}', { params: { path: { product } } })),
  );
  const paths = useResource(`insight:paths:${product}:${purl}`, () =>
    purl
      ? unwrap(client.GET('/api/v1/products/{product}/paths', { params: { path: { product }, query: { purl, limit: 50 } } }))
      : Promise.resolve(null),
  );
  const name = productView.data?.name ?? product;
  return (
    <>
      <PageHeader
        title="Why is this here?"
        description={`Every path from ${name} to a package, in its newest upload: the product first, the package last.`}
        breadcrumbs={[
          { label: 'Supply chain', to: '/supply-chain' },
          { label: 'Products', to: '/supply-chain/products' },
          { label: name, to: `/supply-chain/products/${product}` },
        ]}
      />
      <form
        className="sc-why"
        onSubmit={(event) => {
          event.preventDefault();
          if (query.trim()) setParams({ purl: query.trim() });
        }}
      >
        <TextField
          label="Package"
          placeholder="pkg:npm/semver@7.6.0, or a name such as semver"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
        <Button type="submit">Show paths</Button>
      </form>
      <ErrorBanner error={paths.error} onRetry={paths.reload} />
      {paths.isLoading && !paths.data ? <Skeleton height={120} /> : null}
      {paths.data?.items.map((item) => (
        <Card
          key={item.purl}
          title={<span className="mono">{item.purl}</span>}
          description={
            <>
              depth {item.depth}
              {item.repository ? ` · ${item.repository}` : ''} · {compact(item.path_count)} path{item.path_count === 1 ? '' : 's'}
              {item.path_count > item.paths.length ? `, the ${item.paths.length} shortest found shown` : ''}{' '}
              {item.is_direct ? <Badge tone="blue">direct</Badge> : null} {item.is_dev ? <Badge tone="purple">dev</Badge> : null}{' '}
              {item.is_optional ? <Badge>optional</Badge> : null}
            </>
          }
        >
          <ol className="sc-paths" aria-label={`Paths to ${item.purl}`} data-testid="paths">
            {item.paths.map((steps) => (
              <li key={steps.map((s) => s.purl ?? s.name).join('>')} className="sc-path">
                {steps.map((step, i) => (
                  <Fragment key={`${step.purl ?? step.name}-${i === 0 ? 'root' : i}`}>
                    {i > 0 ? (
                      <span className="sc-arrow" aria-hidden="true">
                        →
                      </span>
                    ) : null}
                    <span
                      className={`sc-step${step.purl === null ? ' sc-step-root' : ''}${i === steps.length - 1 ? ' sc-step-target' : ''}`}
                      title={step.purl ?? undefined}
                    >
                      {step.name}
                    </span>
                  </Fragment>
                ))}
              </li>
            ))}
          </ol>
        </Card>
      ))}
    </>
  );
}
