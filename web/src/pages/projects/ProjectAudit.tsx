import { unwrap } from '@surplus/api-client';
import { AuditTable } from '../../components/AuditTable.tsx';
import { Card } from '../../components/Card.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { useSession } from '../../session.tsx';
import { useProject } from './ProjectLayout.tsx';

export function ProjectAudit() {
  const { project } = useProject();
  const { client } = useSession();
  const list = usePagedList(`project-audit:${project.id}`, (cursor) =>
    unwrap(client.GET('/api/v1/projects/{project}/audit', { params: { path: { project: project.id }, query: { cursor, limit: 50 } } })),
  );
  return (
    <Card title="Audit log" description="Every change to this project, newest first." isFlush>
      <AuditTable list={list} isProjectShown={false} empty={<EmptyState icon="log" title="No events yet" />} />
    </Card>
  );
}
