import { type Schemas, unwrap } from '@surplus/api-client';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { Avatar } from '../../components/Avatar.tsx';
import { Badge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { useConfirm } from '../../components/Dialog.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { SelectField } from '../../components/Field.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { useProgram } from './ProgramLayout.tsx';

type StaffMember = Schemas['ProgramStaffMember'];
type Role = StaffMember['role'];

export function ProgramStaff() {
  const { program, canManage, setProgram } = useProgram();
  const { client, isAdmin, user: me } = useSession();
  const toast = useToast();
  const confirm = useConfirm();
  const path = { params: { path: { program: program.id } } };
  // Only admins can list users; leads who are not admins manage roles of the staff already named.
  const candidates = useResource(`staff-candidates:${isAdmin}`, async () => {
    if (!isAdmin) return [];
    const [reviewers, admins] = await Promise.all([
      unwrap(client.GET('/api/v1/users', { params: { query: { role: 'reviewer', limit: 200 } } })),
      unwrap(client.GET('/api/v1/users', { params: { query: { role: 'admin', limit: 200 } } })),
    ]);
    return [...new Map([...reviewers.items, ...admins.items].map((user) => [user.id, user])).values()];
  });
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<Role>('reviewer');
  const setStaff = useAction(
    async ({ id, role: next }: { id: string; role: Role }) => {
      const updated = await unwrap(client.PUT('/api/v1/programs/{program}/staff', { ...path, body: { user_id: id, role: next } }));
      setProgram(updated);
      return updated;
    },
    ['user_id', 'role'],
  );
  const remove = useAction(async (member: StaffMember) => {
    const isConfirmed = await confirm({
      title: `Remove ${member.user.name} from ${program.name}?`,
      body: 'They keep their reviewer role but are no longer notified about this program’s requests.',
      confirmLabel: 'Remove',
      isDanger: true,
    });
    if (!isConfirmed) return;
    setProgram(
      await unwrap(
        client.DELETE('/api/v1/programs/{program}/staff/{user}', { params: { path: { program: program.id, user: member.user.id } } }),
      ),
    );
    toast.success(`${member.user.name} is no longer staff of ${program.name}.`);
  });
  const add = async (event: FormEvent) => {
    event.preventDefault();
    const added = await setStaff.run({ id: userId, role });
    if (added) {
      toast.success('Added to the program’s staff.');
      setUserId('');
    }
  };
  const staffIds = new Set(program.staff.map((member) => member.user.id));
  const available = (candidates.data ?? []).filter((user) => !staffIds.has(user.id));

  const columns: Column<StaffMember>[] = [
    {
      header: 'Person',
      cell: (member) => (
        <div className="project-title">
          <Avatar name={member.user.name} />
          <div>
            <span className="cell-title">
              {member.user.name}
              {member.user.id === me?.id ? <span className="muted"> (you)</span> : null}
            </span>
            <span className="cell-sub">{member.user.email}</span>
          </div>
        </div>
      ),
    },
    {
      header: 'Role',
      cell: (member) =>
        canManage ? (
          <select
            className="select"
            style={{ width: 140 }}
            aria-label={`Role of ${member.user.name}`}
            value={member.role}
            disabled={setStaff.isRunning}
            onChange={(event) => void setStaff.run({ id: member.user.id, role: event.target.value as Role })}
          >
            <option value="reviewer">Reviewer</option>
            <option value="lead">Lead</option>
          </select>
        ) : (
          <Badge tone={member.role === 'lead' ? 'purple' : 'gray'}>{member.role}</Badge>
        ),
    },
    {
      header: 'Actions',
      isHeaderHidden: true,
      className: 'actions',
      cell: (member) =>
        canManage ? (
          <Button size="sm" variant="danger" onClick={() => void remove.run(member)} aria-label={`Remove ${member.user.name}`}>
            Remove
          </Button>
        ) : null,
    },
  ];

  return (
    <div className="stack-lg">
      {canManage && isAdmin ? (
        <Card title="Add staff" description="Staff are notified of new and overdue requests. Leads also change the policy and staff.">
          <form className="form" onSubmit={add} aria-label="Add staff">
            <ErrorBanner error={setStaff.bannerError ?? candidates.error} />
            {available.length === 0 && candidates.data ? (
              <p className="muted">
                Everyone with the reviewer role is staff already. Give more people the reviewer role under{' '}
                <Link to="/admin/users">Admin → Users</Link>.
              </p>
            ) : (
              <div className="form-row">
                <SelectField
                  label="Reviewer"
                  value={userId}
                  onChange={(event) => setUserId(event.target.value)}
                  error={setStaff.fieldError('user_id')}
                >
                  <option value="">Choose someone…</option>
                  {available.map((user) => (
                    <option key={user.id} value={user.id}>
                      {user.name} ({user.email})
                    </option>
                  ))}
                </SelectField>
                <SelectField label="Role" value={role} onChange={(event) => setRole(event.target.value as Role)}>
                  <option value="reviewer">Reviewer</option>
                  <option value="lead">Lead</option>
                </SelectField>
              </div>
            )}
            <div className="btn-row">
              <Button type="submit" variant="primary" disabled={!userId} isLoading={setStaff.isRunning}>
                Add to staff
              </Button>
            </div>
          </form>
        </Card>
      ) : null}
      <ErrorBanner error={remove.error} />
      <Card title="Staff" isFlush description="With no staff named, every reviewer is told about the program’s requests.">
        <DataTable
          label="Program staff"
          columns={columns}
          rows={program.staff}
          rowKey={(member) => member.user.id}
          isLoading={false}
          empty={<EmptyState icon="users" title="No staff named" />}
        />
      </Card>
    </div>
  );
}
