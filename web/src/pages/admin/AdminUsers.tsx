import { type Schemas, unwrap } from '@surplus/api-client';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { Avatar } from '../../components/Avatar.tsx';
import { Badge, RoleBadge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { Dialog, useConfirm } from '../../components/Dialog.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Checkbox } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { useSession } from '../../session.tsx';

type User = Schemas['User'];
type Role = Schemas['Role'];

const ROLES: { role: Role; description: string }[] = [
  { role: 'reviewer', description: 'Works the request queue: comments, votes, approves and declines.' },
  { role: 'operator', description: 'Enrolls machines and keeps the fleet, OS catalog and prices.' },
  { role: 'admin', description: 'Everything, including users, roles, settings and the audit log.' },
];
const SEARCH_DELAY_MS = 250;

function RolesDialog({
  user,
  onClose,
  onSave,
  isSaving,
  error,
}: {
  user: User | null;
  onClose: () => void;
  onSave: (roles: Role[]) => void;
  isSaving: boolean;
  error: unknown;
}) {
  const [roles, setRoles] = useState<Role[]>([]);
  useEffect(() => setRoles(user?.roles ?? []), [user]);
  return (
    <Dialog
      isOpen={user !== null}
      title={`Program roles of ${user?.name ?? ''}`}
      onClose={onClose}
      onSubmit={() => onSave(roles)}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" isLoading={isSaving}>
            Save roles
          </Button>
        </>
      }
    >
      <ErrorBanner error={error} />
      <fieldset className="fieldset">
        <legend>Roles</legend>
        {ROLES.map(({ role, description }) => (
          <Checkbox
            key={role}
            label={role}
            hint={description}
            checked={roles.includes(role)}
            onChange={(event) => setRoles((current) => (event.target.checked ? [...current, role] : current.filter((r) => r !== role)))}
          />
        ))}
      </fieldset>
    </Dialog>
  );
}

export function AdminUsers() {
  const { client, user: me } = useSession();
  const toast = useToast();
  const confirm = useConfirm();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const role = (params.get('role') ?? '') as Role | '';
  const [search, setSearch] = useState(q);
  const [editing, setEditing] = useState<User | null>(null);

  useEffect(() => {
    if (search === q) return;
    const timer = setTimeout(
      () =>
        setParams(
          (current) => {
            const next = new URLSearchParams(current);
            if (search) next.set('q', search);
            else next.delete('q');
            return next;
          },
          { replace: true },
        ),
      SEARCH_DELAY_MS,
    );
    return () => clearTimeout(timer);
  }, [search, q, setParams]);

  const list = usePagedList(`users:${q}:${role}`, (cursor) =>
    unwrap(client.GET('/api/v1/users', { params: { query: { q: q || undefined, role: role || undefined, cursor, limit: 50 } } })),
  );
  const replace = (updated: User) => list.setItems((items) => items.map((item) => (item.id === updated.id ? updated : item)));

  const saveRoles = useAction(async ({ user, roles }: { user: User; roles: Role[] }) => {
    const updated = await unwrap(client.PATCH('/api/v1/users/{id}', { params: { path: { id: user.id } }, body: { roles } }));
    replace(updated);
    setEditing(null);
    toast.success(`Updated the roles of ${updated.name}.`);
  });

  const setDisabled = useAction(async (user: User) => {
    const isDisabling = !user.is_disabled;
    const isConfirmed = await confirm({
      title: isDisabling ? `Disable ${user.name}?` : `Enable ${user.name}?`,
      body: isDisabling
        ? `${user.email} is signed out everywhere, and their API tokens stop working until an admin enables the account again.`
        : `${user.email} can sign in again.`,
      confirmLabel: isDisabling ? 'Disable account' : 'Enable account',
      isDanger: isDisabling,
    });
    if (!isConfirmed) return;
    const updated = await unwrap(
      client.PATCH('/api/v1/users/{id}', { params: { path: { id: user.id } }, body: { is_disabled: isDisabling } }),
    );
    replace(updated);
    toast.success(`${updated.name} is ${updated.is_disabled ? 'disabled' : 'enabled'}.`);
  });

  const columns: Column<User>[] = [
    {
      header: 'User',
      cell: (user) => (
        <div className="project-title">
          <Avatar name={user.name} />
          <div>
            <span className="cell-title">
              {user.name}
              {user.id === me?.id ? <span className="muted"> (you)</span> : null}
            </span>
            <span className="cell-sub">
              {user.email}
              {user.github_login ? ` · @${user.github_login}` : ''}
            </span>
          </div>
        </div>
      ),
    },
    {
      header: 'Roles',
      cell: (user) =>
        user.roles.length ? (
          <span className="badges">
            {user.roles.map((r) => (
              <RoleBadge key={r} role={r} />
            ))}
          </span>
        ) : (
          <span className="muted">—</span>
        ),
    },
    { header: 'Status', cell: (user) => (user.is_disabled ? <Badge tone="red">Disabled</Badge> : <Badge tone="green">Active</Badge>) },
    { header: 'Joined', cell: (user) => <Time iso={user.created_at} /> },
    {
      header: 'Actions',
      isHeaderHidden: true,
      className: 'actions',
      cell: (user) => (
        <>
          <Button size="sm" onClick={() => setEditing(user)} aria-label={`Edit roles of ${user.name}`}>
            Roles
          </Button>
          <Button
            size="sm"
            variant={user.is_disabled ? 'secondary' : 'danger'}
            onClick={() => void setDisabled.run(user)}
            aria-label={`${user.is_disabled ? 'Enable' : 'Disable'} ${user.name}`}
          >
            {user.is_disabled ? 'Enable' : 'Disable'}
          </Button>
        </>
      ),
    },
  ];

  return (
    <>
      <PageHeader title="Users" description="Everyone with an account, their program roles, and whether they can sign in." />
      <div className="toolbar">
        <div className="search">
          <Icon name="search" />
          <input
            className="input"
            type="search"
            aria-label="Search users"
            placeholder="Search by name or email"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
        <label className="btn-row">
          <span className="field-label">Role</span>
          <select
            className="select"
            style={{ width: 160 }}
            value={role}
            onChange={(event) =>
              setParams((current) => {
                const next = new URLSearchParams(current);
                if (event.target.value) next.set('role', event.target.value);
                else next.delete('role');
                return next;
              })
            }
          >
            <option value="">Any role</option>
            {ROLES.map(({ role: r }) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBanner error={setDisabled.error} />
      <Card isFlush>
        <DataTable
          label="Users"
          columns={columns}
          rows={list.items}
          rowKey={(user) => user.id}
          isLoading={list.isLoading}
          error={list.error}
          onRetry={list.reload}
          hasMore={list.hasMore}
          isLoadingMore={list.isLoadingMore}
          onLoadMore={list.loadMore}
          empty={<EmptyState icon="users" title={q || role ? 'No users match' : 'No users yet'} />}
        />
      </Card>
      <RolesDialog
        user={editing}
        onClose={() => {
          setEditing(null);
          saveRoles.reset();
        }}
        onSave={(roles) => editing && void saveRoles.run({ user: editing, roles })}
        isSaving={saveRoles.isRunning}
        error={saveRoles.error}
      />
    </>
  );
}
