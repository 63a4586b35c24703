import { ApiError, type Schemas, unwrap } from '@surplus/api-client';
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { Badge } from '../../components/Badge.tsx';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { Field, SelectField, Switch, TextAreaField, TextField } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { formatCents } from '../../components/money.ts';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { useProject } from '../projects/ProjectLayout.tsx';
import { GrantLimits, useLiveGrants } from './grant-limits.tsx';
import { osChoices } from './os-choices.ts';

type Plan = Schemas['Plan'];
type Grant = Schemas['Grant'];
type OperatingSystem = Schemas['OperatingSystem'];

export const CUSTOM_IPXE = 'custom_ipxe';

/** What any of the live grants allows: a grant without a list allows every plan (or metro). */
function allowed(grants: Grant[], pick: (grant: Grant) => string[]): (value: string) => boolean {
  if (grants.some((grant) => pick(grant).length === 0)) return () => true;
  const values = new Set(grants.flatMap(pick));
  return (value) => values.has(value);
}

export function OsOptions({ systems }: { systems: OperatingSystem[] }) {
  return (
    <>
      {systems.map((os) => (
        <option key={os.slug} value={os.slug}>
          {os.name}
          {os.status === 'deprecated' ? ` (deprecated${os.end_of_life_on ? `, end of life ${os.end_of_life_on}` : ''})` : ''}
        </option>
      ))}
    </>
  );
}

function planSummary(plan: Plan): string {
  return `${plan.cpu.cores} cores · ${plan.memory_gb} GB · ${plan.storage.summary}`;
}

/** A datetime-local value (the browser's local time) as the API's UTC instant. */
function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The "New server" form: catalog choices narrowed to the grant, OS by the plan's architecture. */
export function ServerCreate() {
  const { project } = useProject();
  const { client } = useSession();
  const toast = useToast();
  const navigate = useNavigate();
  const catalog = useResource('catalog', () => unwrap(client.GET('/api/v1/catalog')));
  const grants = useLiveGrants(project.id);
  const keys = useResource(
    `project-keys:${project.id}`,
    async () => (await unwrap(client.GET('/api/v1/projects/{project}/ssh-keys', { params: { path: { project: project.id } } }))).items,
  );

  const [planSlug, setPlanSlug] = useState('');
  const [metroCode, setMetroCode] = useState('');
  const [osSlug, setOsSlug] = useState('');
  const [hostname, setHostname] = useState('');
  const [keyMode, setKeyMode] = useState<'members' | 'custom'>('members');
  const [customKeys, setCustomKeys] = useState('');
  const [userdata, setUserdata] = useState('');
  const [ipxeMode, setIpxeMode] = useState<'url' | 'inline'>('url');
  const [ipxeUrl, setIpxeUrl] = useState('');
  const [ipxeScript, setIpxeScript] = useState('#!ipxe\n');
  const [isAlwaysPxe, setIsAlwaysPxe] = useState(false);
  const [terminationTime, setTerminationTime] = useState('');

  const live = grants.data ?? [];
  const isPlanAllowed = allowed(live, (grant) => grant.allowed_plans);
  const isMetroAllowed = allowed(live, (grant) => grant.allowed_metros);
  const plans = (catalog.data?.plans ?? []).filter((plan) => isPlanAllowed(plan.slug));
  const metros = (catalog.data?.metros ?? []).filter((metro) => isMetroAllowed(metro.code));
  const plan = plans.find((p) => p.slug === planSlug) ?? plans.find((p) => p.is_available) ?? plans[0];
  const metro = metros.find((m) => m.code === metroCode) ?? metros.find((m) => m.is_available) ?? metros[0];
  const systems = osChoices(catalog.data, plan);
  // An installable system by default; custom iPXE only when chosen.
  const os =
    systems.find((o) => o.slug === osSlug) ??
    systems.find((o) => o.status === 'supported' && o.slug !== CUSTOM_IPXE) ??
    systems.find((o) => o.slug !== CUSTOM_IPXE) ??
    systems[0];
  const isCustomIpxe = os?.slug === CUSTOM_IPXE;

  const create = useAction(async () => {
    const created = await unwrap(
      client.POST('/api/v1/servers', {
        body: {
          project: project.id,
          plan: plan?.slug ?? '',
          metro: metro?.code ?? '',
          operating_system: os?.slug ?? '',
          ...(hostname.trim() ? { hostname: hostname.trim() } : {}),
          ...(keyMode === 'custom'
            ? {
                ssh_keys: customKeys
                  .split('\n')
                  .map((line) => line.trim())
                  .filter(Boolean),
              }
            : {}),
          userdata,
          ...(isCustomIpxe ? (ipxeMode === 'url' ? { ipxe_script_url: ipxeUrl.trim() } : { ipxe_script: ipxeScript }) : {}),
          always_pxe: isAlwaysPxe,
          ...(toIso(terminationTime) ? { termination_time: toIso(terminationTime) } : {}),
        },
      }),
    );
    toast.success(`${created.hostname} is queued; this page follows it until it is ready.`);
    navigate(`/servers/${created.id}`);
  }, ['plan', 'metro', 'operating_system', 'hostname', 'userdata', 'ipxe_script_url', 'ipxe_script', 'termination_time', 'always_pxe']);
  const keyError =
    create.error instanceof ApiError ? create.error.fields.find((field) => field.field.startsWith('ssh_keys'))?.message : undefined;
  const bannerError = keyError && create.error instanceof ApiError && create.error.fields.length === 1 ? null : create.bannerError;

  if ((catalog.isLoading && !catalog.data) || (grants.isLoading && !grants.data)) return <PageLoading label="Loading the catalog…" />;
  if (live.length === 0) {
    return (
      <Banner
        tone="info"
        title="The project has no current grant"
        actions={
          project.my_role === 'owner' ? (
            <ButtonLink size="sm" to={`/projects/${project.slug}/requests/new`}>
              Request resources
            </ButtonLink>
          ) : null
        }
      >
        Servers run on a grant. An owner asks a program for servers, and an approved request becomes a grant.
      </Banner>
    );
  }

  const memberKeys = keys.data ?? [];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run(undefined);
  };

  return (
    <form className="grid-2" onSubmit={submit} noValidate aria-label="New server">
      <div className="stack-lg">
        <ErrorBanner error={bannerError} title="The server was not created" />
        <Card title="New server" description="A whole machine for the project, installed over the network with the OS you choose.">
          <div className="form">
            <fieldset className="fieldset">
              <legend>Plan</legend>
              <div className="choice-grid choice-grid-2">
                {plans.map((p) => (
                  <label key={p.slug} className={p.slug === plan?.slug ? 'choice choice-selected' : 'choice'}>
                    <input type="radio" name="plan" value={p.slug} checked={p.slug === plan?.slug} onChange={() => setPlanSlug(p.slug)} />
                    <span>
                      <span className="check-label mono">{p.slug}</span>{' '}
                      <Badge tone={p.architecture === 'aarch64' ? 'purple' : 'gray'}>{p.architecture}</Badge>
                      <span className="field-hint">{planSummary(p)}</span>
                      <span className="field-hint">
                        {formatCents(p.price_cents_per_hour)}/hour · about {formatCents(p.price_cents_per_month)}/month
                      </span>
                    </span>
                  </label>
                ))}
              </div>
              {create.fieldError('plan') ? (
                <div className="field-error">
                  <Icon name="alert" size={14} />
                  <span>{create.fieldError('plan')}</span>
                </div>
              ) : null}
            </fieldset>
            <div className="form-row">
              <SelectField
                label="Metro"
                value={metro?.code ?? ''}
                onChange={(event) => setMetroCode(event.target.value)}
                error={create.fieldError('metro')}
              >
                {metros.map((m) => (
                  <option key={m.code} value={m.code}>
                    {m.name} ({m.code}){m.is_available ? '' : ' — not taking new servers'}
                  </option>
                ))}
              </SelectField>
              <SelectField
                label="Operating system"
                value={os?.slug ?? ''}
                onChange={(event) => setOsSlug(event.target.value)}
                error={create.fieldError('operating_system')}
                hint={plan ? `Offered for ${plan.architecture}, the plan’s architecture.` : undefined}
              >
                <OsOptions systems={systems} />
              </SelectField>
            </div>
            {isCustomIpxe ? (
              <fieldset className="fieldset">
                <legend>Custom iPXE</legend>
                <fieldset className="segmented" aria-label="iPXE script from">
                  <button type="button" aria-pressed={ipxeMode === 'url'} onClick={() => setIpxeMode('url')}>
                    From a URL
                  </button>
                  <button type="button" aria-pressed={ipxeMode === 'inline'} onClick={() => setIpxeMode('inline')}>
                    Inline script
                  </button>
                </fieldset>
                <div style={{ marginTop: 12 }}>
                  {ipxeMode === 'url' ? (
                    <TextField
                      label="iPXE script URL"
                      type="url"
                      placeholder="https://example.org/boot.ipxe"
                      value={ipxeUrl}
                      onChange={(event) => setIpxeUrl(event.target.value)}
                      error={create.fieldError('ipxe_script_url')}
                      hint="The machine chains to it when it netboots. http or https."
                    />
                  ) : (
                    <TextAreaField
                      label="iPXE script"
                      className="csv-input"
                      rows={6}
                      spellCheck={false}
                      value={ipxeScript}
                      onChange={(event) => setIpxeScript(event.target.value)}
                      error={create.fieldError('ipxe_script')}
                      hint="Starts with #!ipxe; at most 64 KiB."
                    />
                  )}
                </div>
              </fieldset>
            ) : null}
            <TextField
              label="Hostname"
              isOptional
              placeholder={`${project.slug}-…`}
              autoComplete="off"
              value={hostname}
              onChange={(event) => setHostname(event.target.value)}
              error={create.fieldError('hostname')}
              hint="Letters, digits and inner dashes. Left empty: the project’s slug and a random suffix."
            />
          </div>
        </Card>

        <Card title="Access" description="The SSH keys installed for root. The server trusts nothing else.">
          <div className="form">
            <div className="stack">
              <label className={keyMode === 'members' ? 'choice choice-selected' : 'choice'}>
                <input type="radio" name="keys" checked={keyMode === 'members'} onChange={() => setKeyMode('members')} />
                <span>
                  <span className="check-label">Every member’s keys ({memberKeys.length})</span>
                  <span className="field-hint">The keys the project’s members added to their profiles, as they are now.</span>
                </span>
              </label>
              {keyMode === 'members' ? (
                memberKeys.length ? (
                  <ul className="key-list" aria-label="Keys that will be installed">
                    {memberKeys.map((key) => (
                      <li key={key.id}>
                        <strong>{key.owner.name}</strong>
                        <span>{key.label}</span>
                        <span className="mono">
                          {key.type} {key.fingerprint}
                        </span>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <Banner tone="warning" title="No member has an SSH key yet">
                    Nobody could log in. Add a key on your profile’s SSH keys page, or give keys below.
                  </Banner>
                )
              ) : null}
              <label className={keyMode === 'custom' ? 'choice choice-selected' : 'choice'}>
                <input type="radio" name="keys" checked={keyMode === 'custom'} onChange={() => setKeyMode('custom')} />
                <span>
                  <span className="check-label">These keys</span>
                  <span className="field-hint">OpenSSH public keys, one per line.</span>
                </span>
              </label>
              {keyMode === 'custom' ? (
                <TextAreaField
                  label="Public keys"
                  className="csv-input"
                  rows={4}
                  spellCheck={false}
                  placeholder="ssh-ed25519 AAAA… you@laptop"
                  value={customKeys}
                  onChange={(event) => setCustomKeys(event.target.value)}
                  error={keyError}
                />
              ) : keyError ? (
                <div className="field-error">
                  <Icon name="alert" size={14} />
                  <span>{keyError}</span>
                </div>
              ) : null}
            </div>
          </div>
        </Card>

        <Card title="Options">
          <div className="form">
            <TextAreaField
              label="User data"
              isOptional
              className="mono"
              rows={4}
              spellCheck={false}
              placeholder={'#cloud-config\npackages: [git]'}
              value={userdata}
              onChange={(event) => setUserdata(event.target.value)}
              error={create.fieldError('userdata')}
              hint="Served by the metadata service (cloud-init reads it at first boot). At most 64 KiB."
            />
            <Switch
              label="Always netboot"
              hint="Boot from the network on every boot instead of the installed disk (for custom iPXE and live systems)."
              checked={isAlwaysPxe}
              onChange={(event) => setIsAlwaysPxe(event.target.checked)}
            />
            <Field
              label="Delete automatically at"
              isOptional
              error={create.fieldError('termination_time')}
              hint="Surplus deletes the server at this time (your local time). Useful for workshops and one-off runs."
            >
              {(control) => (
                <input
                  className="input"
                  type="datetime-local"
                  {...control}
                  value={terminationTime}
                  onChange={(event) => setTerminationTime(event.target.value)}
                  style={{ maxWidth: 280 }}
                />
              )}
            </Field>
          </div>
        </Card>
        <div className="btn-row">
          <Button type="submit" variant="primary" isLoading={create.isRunning} disabled={!plan || !metro || !os}>
            Create server
          </Button>
          <ButtonLink to={`/projects/${project.slug}/servers`}>Cancel</ButtonLink>
        </div>
      </div>
      <div className="stack-lg">
        {live.map((grant) => (
          <Card key={grant.id} title="Grant" description={`What ${grant.program.name} granted this project.`}>
            <GrantLimits grant={grant} />
          </Card>
        ))}
        {plan ? (
          <Card title="This server">
            <dl className="dl dl-compact">
              <div>
                <dt>Plan</dt>
                <dd className="mono">{plan.slug}</dd>
              </div>
              <div>
                <dt>Price</dt>
                <dd>{formatCents(plan.price_cents_per_hour)}/hour</dd>
              </div>
              <div>
                <dt>About a month</dt>
                <dd>{formatCents(plan.price_cents_per_month)}</dd>
              </div>
            </dl>
            <p className="small muted">Counted against the grant’s monthly credit, as the program meters it.</p>
          </Card>
        ) : null}
      </div>
    </form>
  );
}
