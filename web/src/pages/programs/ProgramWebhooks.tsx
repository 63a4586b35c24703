import { type Schemas, unwrap } from '@surplus/api-client';
import { type FormEvent, useState } from 'react';
import { Badge, type BadgeTone } from '../../components/Badge.tsx';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { CopyButton } from '../../components/CopyButton.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { useConfirm } from '../../components/Dialog.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Checkbox, TextField } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { useProgram } from './ProgramLayout.tsx';

type Webhook = Schemas['Webhook'];
type Delivery = Schemas['WebhookDelivery'];
type WebhookEvent = Schemas['WebhookEvent'];

const EVENTS: { value: WebhookEvent; label: string }[] = [
  { value: 'request.submitted', label: 'Request submitted' },
  { value: 'request.approved', label: 'Request approved' },
  { value: 'request.declined', label: 'Request declined' },
  { value: 'grant.created', label: 'Grant created' },
  { value: 'grant.expiring', label: 'Grant expiring' },
  { value: 'grant.ended', label: 'Grant ended' },
];
const DELIVERY_TONES: Record<Delivery['state'], BadgeTone> = { pending: 'yellow', delivered: 'green', failed: 'red' };

function Deliveries({ programId, webhook }: { programId: string; webhook: Webhook }) {
  const { client } = useSession();
  const list = usePagedList(`deliveries:${webhook.id}`, (cursor) =>
    unwrap(
      client.GET('/api/v1/programs/{program}/webhooks/{id}/deliveries', {
        params: { path: { program: programId, id: webhook.id }, query: { cursor, limit: 20 } },
      }),
    ),
  );
  const columns: Column<Delivery>[] = [
    { header: 'Event', cell: (delivery) => <span className="mono">{delivery.event}</span> },
    { header: 'State', cell: (delivery) => <Badge tone={DELIVERY_TONES[delivery.state]}>{delivery.state}</Badge> },
    {
      header: 'Response',
      cell: (delivery) => (
        <span className="small">
          {delivery.status_code ? <span className="mono">HTTP {delivery.status_code}</span> : <span className="muted">no answer</span>}
          {delivery.error ? <span className="cell-sub">{delivery.error}</span> : null}
        </span>
      ),
    },
    { header: 'Attempts', cell: (delivery) => delivery.attempts, className: 'num' },
    { header: 'Sent', cell: (delivery) => <Time iso={delivery.delivered_at ?? delivery.created_at} /> },
    { header: 'Id', cell: (delivery) => <span className="mono small">{delivery.id.slice(0, 8)}</span> },
  ];
  return (
    <DataTable
      label={`Deliveries to ${webhook.url}`}
      columns={columns}
      rows={list.items}
      rowKey={(delivery) => delivery.id}
      isLoading={list.isLoading}
      error={list.error}
      onRetry={list.reload}
      hasMore={list.hasMore}
      isLoadingMore={list.isLoadingMore}
      onLoadMore={list.loadMore}
      empty={<p className="card-body muted">No deliveries yet. Send a ping to try the receiver.</p>}
    />
  );
}

/** Signed outgoing webhooks for program events: create (secret shown once), ping, deliveries, delete. */
export function ProgramWebhooks() {
  const { program } = useProgram();
  const { client } = useSession();
  const toast = useToast();
  const confirm = useConfirm();
  const path = { params: { path: { program: program.id } } };
  const hooks = useResource(`webhooks:${program.id}`, () => unwrap(client.GET('/api/v1/programs/{program}/webhooks', path)));
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>(EVENTS.map((e) => e.value));
  const [created, setCreated] = useState<Schemas['WebhookCreated'] | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const [deliveriesVersion, setDeliveriesVersion] = useState(0);
  const create = useAction(async () => {
    const made = await unwrap(client.POST('/api/v1/programs/{program}/webhooks', { ...path, body: { url: url.trim(), events } }));
    setCreated(made);
    setUrl('');
    hooks.setData((current) => ({ items: [...(current?.items ?? []), made.webhook] }));
  }, ['url', 'events']);
  const ping = useAction(async (webhook: Webhook) => {
    await unwrap(
      client.POST('/api/v1/programs/{program}/webhooks/{id}/ping', { params: { path: { program: program.id, id: webhook.id } } }),
    );
    toast.success('Ping queued: it shows in the deliveries.');
    setOpenId(webhook.id);
    setDeliveriesVersion((v) => v + 1);
  });
  const remove = useAction(async (webhook: Webhook) => {
    const isConfirmed = await confirm({
      title: 'Delete this webhook?',
      body: `${webhook.url} gets no more events from ${program.name}.`,
      confirmLabel: 'Delete webhook',
      isDanger: true,
    });
    if (!isConfirmed) return;
    await unwrap(client.DELETE('/api/v1/programs/{program}/webhooks/{id}', { params: { path: { program: program.id, id: webhook.id } } }));
    hooks.setData((current) => ({ items: (current?.items ?? []).filter((item) => item.id !== webhook.id) }));
    toast.success('Webhook deleted.');
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setCreated(null);
    void create.run(undefined);
  };
  const items = hooks.data?.items ?? [];

  return (
    <div className="stack-lg">
      <Card
        title="Add a webhook"
        description="Surplus POSTs a JSON body for each event, signed with X-Surplus-Signature-256 (HMAC-SHA256 of the body)."
      >
        <form className="form" onSubmit={submit} noValidate aria-label="Add a webhook">
          <ErrorBanner error={create.bannerError} title="The webhook was not added" />
          {created ? (
            <Banner tone="success" title="Webhook added. Copy its secret now: it is not shown again.">
              <div className="secret-box">
                <code className="mono" data-testid="webhook-secret">
                  {created.secret}
                </code>
                <CopyButton text={created.secret} />
              </div>
            </Banner>
          ) : null}
          <TextField
            label="Receiver URL"
            type="url"
            placeholder="https://example.org/hooks/surplus"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
            error={create.fieldError('url')}
          />
          <fieldset className="fieldset">
            <legend>Events</legend>
            <div className="check-grid">
              {EVENTS.map((option) => (
                <Checkbox
                  key={option.value}
                  label={option.label}
                  hint={<span className="mono">{option.value}</span>}
                  checked={events.includes(option.value)}
                  onChange={(event) =>
                    setEvents((current) => (event.target.checked ? [...current, option.value] : current.filter((e) => e !== option.value)))
                  }
                />
              ))}
            </div>
            {create.fieldError('events') ? <div className="field-error">{create.fieldError('events')}</div> : null}
          </fieldset>
          <div className="btn-row">
            <Button type="submit" variant="primary" isLoading={create.isRunning} disabled={!url.trim() || events.length === 0}>
              Add webhook
            </Button>
          </div>
        </form>
      </Card>
      <ErrorBanner error={hooks.error ?? ping.error ?? remove.error} onRetry={hooks.reload} />
      {hooks.data && items.length === 0 ? (
        <Card>
          <EmptyState icon="webhook" title="No webhooks">
            Tell another system (chat, a CRM, a dashboard) when requests and grants change.
          </EmptyState>
        </Card>
      ) : null}
      {items.map((webhook) => (
        <Card
          key={webhook.id}
          title={<span className="mono">{webhook.url}</span>}
          description={
            <>
              {webhook.is_active ? 'Active' : 'Inactive'} · added <Time iso={webhook.created_at} /> ·{' '}
              {webhook.events.length === EVENTS.length ? 'every event' : webhook.events.join(', ')}
            </>
          }
          actions={
            <>
              <Button size="sm" onClick={() => void ping.run(webhook)}>
                Send ping
              </Button>
              <Button size="sm" aria-expanded={openId === webhook.id} onClick={() => setOpenId(openId === webhook.id ? null : webhook.id)}>
                <Icon name="log" size={14} />
                Deliveries
              </Button>
              <Button size="sm" variant="danger" onClick={() => void remove.run(webhook)} aria-label={`Delete webhook ${webhook.url}`}>
                Delete
              </Button>
            </>
          }
          isFlush
        >
          {openId === webhook.id ? <Deliveries key={deliveriesVersion} programId={program.id} webhook={webhook} /> : null}
        </Card>
      ))}
    </div>
  );
}
