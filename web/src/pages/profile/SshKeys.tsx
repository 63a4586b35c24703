import { type Schemas, unwrap } from '@surplus/api-client';
import { type FormEvent, useState } from 'react';
import { Badge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { useConfirm } from '../../components/Dialog.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { TextAreaField, TextField } from '../../components/Field.tsx';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';

type SshKey = Schemas['SshKey'];

const TYPE_NAMES: Record<string, string> = {
  'ssh-ed25519': 'Ed25519',
  'ssh-rsa': 'RSA',
  'ecdsa-sha2-nistp256': 'ECDSA P-256',
  'ecdsa-sha2-nistp384': 'ECDSA P-384',
  'ecdsa-sha2-nistp521': 'ECDSA P-521',
};

export function SshKeys() {
  const { client } = useSession();
  const toast = useToast();
  const confirm = useConfirm();
  const [publicKey, setPublicKey] = useState('');
  const [label, setLabel] = useState('');
  const keys = useResource('ssh-keys', () => unwrap(client.GET('/api/v1/me/ssh-keys')));

  const add = useAction(async () => {
    const key = await unwrap(
      client.POST('/api/v1/me/ssh-keys', { body: { public_key: publicKey.trim(), ...(label.trim() ? { label: label.trim() } : {}) } }),
    );
    setPublicKey('');
    setLabel('');
    toast.success(`Added SSH key ${key.label || key.fingerprint}.`);
    keys.setData((current) => ({ items: [...(current?.items ?? []), key] }));
  }, ['public_key', 'label']);

  const remove = useAction(async (key: SshKey) => {
    const isConfirmed = await confirm({
      title: 'Remove SSH key?',
      body: (
        <>
          <p>
            <strong>{key.label || TYPE_NAMES[key.type] || key.type}</strong>
          </p>
          <p className="mono small">{key.fingerprint}</p>
          <p>New servers will not get this key. Servers that already have it keep it until they are reinstalled.</p>
        </>
      ),
      confirmLabel: 'Remove key',
      isDanger: true,
    });
    if (!isConfirmed) return;
    await unwrap(client.DELETE('/api/v1/me/ssh-keys/{id}', { params: { path: { id: key.id } } }));
    toast.success('SSH key removed.');
    keys.setData((current) => ({ items: (current?.items ?? []).filter((item) => item.id !== key.id) }));
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void add.run(undefined);
  };

  const columns: Column<SshKey>[] = [
    {
      header: 'Key',
      cell: (key) => (
        <>
          <span className="cell-title">{key.label || <span className="muted">(no label)</span>}</span>
          <span className="cell-sub mono">{key.fingerprint}</span>
        </>
      ),
    },
    { header: 'Type', cell: (key) => <Badge tone="blue">{TYPE_NAMES[key.type] ?? key.type}</Badge> },
    { header: 'Bits', cell: (key) => key.bits },
    { header: 'Added', cell: (key) => <Time iso={key.created_at} /> },
    {
      header: 'Actions',
      isHeaderHidden: true,
      className: 'actions',
      cell: (key) => (
        <Button size="sm" variant="danger" onClick={() => void remove.run(key)} aria-label={`Remove key ${key.label || key.fingerprint}`}>
          Remove
        </Button>
      ),
    },
  ];

  return (
    <>
      <Card title="Add an SSH key" description="Servers you get through Surplus are installed with your keys.">
        <ErrorBanner error={add.bannerError} title="The key was not added" />
        <form className="form" onSubmit={submit} noValidate aria-label="Add an SSH key">
          <TextAreaField
            label="Public key"
            name="public_key"
            className="mono"
            rows={4}
            spellCheck={false}
            placeholder="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA… you@laptop"
            value={publicKey}
            onChange={(event) => setPublicKey(event.target.value)}
            error={add.fieldError('public_key')}
            hint={
              <>
                Paste one line of <code>~/.ssh/id_ed25519.pub</code> (or another .pub file). Ed25519, ECDSA and RSA of at least 2048 bits
                are accepted.
              </>
            }
          />
          <TextField
            label="Label"
            name="label"
            isOptional
            value={label}
            onChange={(event) => setLabel(event.target.value)}
            error={add.fieldError('label')}
            hint="Defaults to the comment at the end of the key."
          />
          <div>
            <Button type="submit" variant="primary" isLoading={add.isRunning} disabled={!publicKey.trim()}>
              Add key
            </Button>
          </div>
        </form>
      </Card>
      <ErrorBanner error={remove.error} />
      <Card title="Your SSH keys" isFlush>
        <DataTable
          label="SSH keys"
          columns={columns}
          rows={keys.data?.items ?? []}
          rowKey={(key) => key.id}
          isLoading={keys.isLoading}
          error={keys.error}
          onRetry={keys.reload}
          empty={
            <EmptyState icon="key" title="No SSH keys yet">
              Add a key to log in to the servers your projects get.
            </EmptyState>
          }
        />
      </Card>
    </>
  );
}
