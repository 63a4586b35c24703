import { Link } from 'react-router';
import { Badge, OsiBadge } from '../../components/Badge.tsx';
import { Card } from '../../components/Card.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Markdown } from '../../components/Markdown.tsx';
import { Time } from '../../components/Time.tsx';
import { BurnSummary } from '../reports/BurnSummary.tsx';
import { PUBLIC_FIELDS } from './ProjectForm.tsx';
import { useProject } from './ProjectLayout.tsx';

export function ProjectOverview() {
  const { project, canManage } = useProject();
  return (
    <div className="grid-2">
      <Card title="About">
        {project.description.trim() ? (
          <Markdown html={project.description_html} />
        ) : (
          <EmptyState icon="book" title="No description yet">
            {canManage ? (
              <>
                Say what the project does and what it needs: <Link to="settings">add a description</Link>.
              </>
            ) : (
              'The owners have not described the project yet.'
            )}
          </EmptyState>
        )}
      </Card>
      <Card title="Details">
        <dl className="dl">
          <div>
            <dt>Repository</dt>
            <dd>
              <a href={project.repository.url} target="_blank" rel="noreferrer">
                {project.repository.url}
              </a>
            </dd>
          </div>
          <div>
            <dt>Licence</dt>
            <dd>
              <div className="badges">
                <span className="mono">{project.license.expression}</span>
                <OsiBadge isApproved={project.license.is_osi_approved} />
              </div>
              {project.license.licences.length > 1 || project.license.licences[0]?.name ? (
                <ul className="small muted" style={{ margin: '6px 0 0', paddingLeft: 18 }}>
                  {project.license.licences.map((licence) => (
                    <li key={licence.id}>
                      {licence.name ?? licence.id} {licence.is_osi_approved ? '(OSI approved)' : '(not OSI approved)'}
                    </li>
                  ))}
                </ul>
              ) : null}
            </dd>
          </div>
          <div>
            <dt>Website</dt>
            <dd>
              {project.website ? (
                <a href={project.website} target="_blank" rel="noreferrer">
                  {project.website}
                </a>
              ) : (
                <span className="muted">—</span>
              )}
            </dd>
          </div>
          <div>
            <dt>Foundation</dt>
            <dd>{project.foundation ?? <span className="muted">—</span>}</dd>
          </div>
          <div>
            <dt>Public page</dt>
            <dd>
              {project.is_public ? (
                <>
                  <Link to={`/p/${project.slug}`}>/p/{project.slug}</Link>
                  <div className="badges" style={{ marginTop: 4 }}>
                    {PUBLIC_FIELDS.filter((field) => project.public_fields.includes(field.value)).map((field) => (
                      <Badge key={field.value}>{field.label}</Badge>
                    ))}
                  </div>
                </>
              ) : (
                <span className="muted">Off</span>
              )}
            </dd>
          </div>
          <div>
            <dt>Registered</dt>
            <dd>
              <Time iso={project.created_at} format="date" />
            </dd>
          </div>
        </dl>
      </Card>
      <BurnSummary project={project} />
    </div>
  );
}
