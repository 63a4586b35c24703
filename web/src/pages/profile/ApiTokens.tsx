import { type Schemas, unwrap } from '@surplus/api-client';
import { type FormEvent, useState } from 'react';
import { Badge } from '../../components/Badge.tsx';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { CopyButton } from '../../components/CopyButton.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { useConfirm } from '../../components/Dialog.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { SelectField, TextField } from '../../components/Field.tsx';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';

type ApiToken = Schemas['ApiToken'];

const EXPIRY_CHOICES = [
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: 0, label: 'Never' },
];

function TokenState({ token }: { token: ApiToken }) {
  if (token.revoked_at) return <Badge tone="red">Revoked</Badge>;
  if (token.expires_at && Date.parse(token.expires_at) <= Date.now()) return <Badge>Expired</Badge>;
  return <Badge tone="green">Active</Badge>;
}

export function ApiTokens() {
  const { client } = useSession();
  const toast = useToast();
  const confirm = useConfirm();
  const [name, setName] = useState('');
  const [expiryDays, setExpiryDays] = useState(90);
  const [created, setCreated] = useState<Schemas['ApiTokenCreated'] | null>(null);
  const tokens = useResource('api-tokens', () => unwrap(client.GET('/api/v1/me/tokens')));

  const create = useAction(async () => {
    const result = await unwrap(
      client.POST('/api/v1/me/tokens', { body: { name: name.trim(), ...(expiryDays ? { expires_in_days: expiryDays } : {}) } }),
    );
    setCreated(result);
    setName('');
    tokens.setData((current) => ({ items: [result.token, ...(current?.items ?? [])] }));
  }, ['name', 'expires_in_days']);

  const revoke = useAction(async (token: ApiToken) => {
    const isConfirmed = await confirm({
      title: `Revoke “${token.name}”?`,
      body: 'Scripts and the CLI using this token stop working at once.',
      confirmLabel: 'Revoke token',
      isDanger: true,
    });
    if (!isConfirmed) return;
    const revoked = await unwrap(client.DELETE('/api/v1/me/tokens/{id}', { params: { path: { id: token.id } } }));
    toast.success(`Revoked ${token.name}.`);
    tokens.setData((current) => ({ items: (current?.items ?? []).map((item) => (item.id === revoked.id ? revoked : item)) }));
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setCreated(null);
    void create.run(undefined);
  };

  const columns: Column<ApiToken>[] = [
    {
      header: 'Token',
      cell: (token) => (
        <>
          <span className="cell-title">{token.name}</span>
          <span className="cell-sub mono">{token.prefix}…</span>
        </>
      ),
    },
    { header: 'State', cell: (token) => <TokenState token={token} /> },
    { header: 'Created', cell: (token) => <Time iso={token.created_at} /> },
    {
      header: 'Last used',
      cell: (token) => (token.last_used_at ? <Time iso={token.last_used_at} /> : <span className="muted">Never</span>),
    },
    { header: 'Expires', cell: (token) => (token.expires_at ? <Time iso={token.expires_at} /> : <span className="muted">Never</span>) },
    {
      header: 'Actions',
      isHeaderHidden: true,
      className: 'actions',
      cell: (token) =>
        token.revoked_at ? null : (
          <Button size="sm" variant="danger" onClick={() => void revoke.run(token)} aria-label={`Revoke token ${token.name}`}>
            Revoke
          </Button>
        ),
    },
  ];

  return (
    <>
      <Card
        title="Create an API token"
        description={
          <>
            For the <code>surplus</code> CLI and scripts: send it as <code>Authorization: Bearer …</code>. It can do what you can do.
          </>
        }
      >
        {created ? (
          <Banner tone="success" title={`Token “${created.token.name}” created`}>
            <div className="small">Copy it now. Surplus keeps only a digest, so it cannot show it again.</div>
            <div className="secret-box" style={{ marginTop: 8 }}>
              <code data-testid="token-secret">{created.secret}</code>
              <CopyButton text={created.secret} />
            </div>
          </Banner>
        ) : null}
        <ErrorBanner error={create.bannerError} title="The token was not created" />
        <form className="form" onSubmit={submit} noValidate aria-label="Create an API token">
          <div className="form-row">
            <TextField
              label="Name"
              name="name"
              placeholder="laptop CLI"
              value={name}
              onChange={(event) => setName(event.target.value)}
              error={create.fieldError('name')}
              hint="What uses it, so you know what breaks if you revoke it."
            />
            <SelectField
              label="Expires after"
              name="expires_in_days"
              value={String(expiryDays)}
              onChange={(event) => setExpiryDays(Number(event.target.value))}
              error={create.fieldError('expires_in_days')}
            >
              {EXPIRY_CHOICES.map((choice) => (
                <option key={choice.days} value={choice.days}>
                  {choice.label}
                </option>
              ))}
            </SelectField>
          </div>
          <div>
            <Button type="submit" variant="primary" isLoading={create.isRunning}>
              Create token
            </Button>
          </div>
        </form>
      </Card>
      <ErrorBanner error={revoke.error} />
      <Card title="Your API tokens" isFlush>
        <DataTable
          label="API tokens"
          columns={columns}
          rows={tokens.data?.items ?? []}
          rowKey={(token) => token.id}
          isLoading={tokens.isLoading}
          error={tokens.error}
          onRetry={tokens.reload}
          empty={
            <EmptyState icon="token" title="No API tokens">
              Create one to use the CLI or the API from scripts.
            </EmptyState>
          }
        />
      </Card>
    </>
  );
}
