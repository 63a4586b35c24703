import { unwrap } from '@surplus/api-client';
import { useNavigate } from 'react-router';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { useConfirm } from '../../components/Dialog.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useSession } from '../../session.tsx';
import { PROJECT_FORM_FIELDS, ProjectForm, type ProjectFormValues, toProjectBody } from './ProjectForm.tsx';
import { type Project, useProject } from './ProjectLayout.tsx';

function toValues(project: Project): ProjectFormValues {
  return {
    name: project.name,
    slug: project.slug,
    repository_url: project.repository.url,
    license: project.license.expression,
    description: project.description,
    website: project.website ?? '',
    foundation: project.foundation ?? '',
    is_public: project.is_public,
    public_fields: project.public_fields,
  };
}

export function ProjectSettings() {
  const { project, setProject } = useProject();
  const { client } = useSession();
  const toast = useToast();
  const confirm = useConfirm();
  const navigate = useNavigate();
  const path = { params: { path: { project: project.id } } };

  const save = useAction(async (values: ProjectFormValues) => {
    const updated = await unwrap(client.PATCH('/api/v1/projects/{project}', { ...path, body: toProjectBody(values) }));
    setProject(updated);
    toast.success('Project settings saved.');
    return updated;
  }, PROJECT_FORM_FIELDS);

  const remove = useAction(async () => {
    const isConfirmed = await confirm({
      title: `Delete ${project.name}?`,
      body: (
        <>
          <p>The project, its members and its invitations are deleted. The audit log keeps a record.</p>
          <p>This cannot be undone.</p>
        </>
      ),
      confirmLabel: 'Delete project',
      isDanger: true,
    });
    if (!isConfirmed) return;
    await unwrap(client.DELETE('/api/v1/projects/{project}', path));
    toast.success(`Deleted ${project.name}.`);
    navigate('/projects');
  });

  return (
    <div className="main-narrow">
      <Card title="Project settings">
        <ProjectForm
          key={project.updated_at}
          initial={toValues(project)}
          isNew={false}
          action={save}
          submitLabel="Save changes"
          onSubmit={(values) => void save.run(values)}
        />
      </Card>
      <Card title="Danger zone" isDanger>
        <ErrorBanner error={remove.error} />
        <div className="toolbar" style={{ margin: 0 }}>
          <div>
            <h3>Delete this project</h3>
            <p className="muted" style={{ margin: 0 }}>
              Removes the project for everyone. Only owners can do this.
            </p>
          </div>
          <Button variant="danger" onClick={() => void remove.run(undefined)} isLoading={remove.isRunning}>
            Delete project
          </Button>
        </div>
      </Card>
    </div>
  );
}
