import { unwrap } from '@surplus/api-client';
import { useNavigate } from 'react-router';
import { ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useSession } from '../../session.tsx';
import { EMPTY_PROJECT, PROJECT_FORM_FIELDS, ProjectForm, type ProjectFormValues, toProjectBody } from './ProjectForm.tsx';

export function ProjectCreate() {
  const { client } = useSession();
  const navigate = useNavigate();
  const toast = useToast();
  const create = useAction(async (values: ProjectFormValues) => {
    const project = await unwrap(
      client.POST('/api/v1/projects', { body: { ...toProjectBody(values), slug: values.slug.trim() || undefined } }),
    );
    toast.success(`Registered ${project.name}.`);
    navigate(`/projects/${project.slug}`);
    return project;
  }, PROJECT_FORM_FIELDS);

  return (
    <div className="main-narrow">
      <PageHeader
        title="Register a project"
        description="Tell the program about the open source project you maintain. You become its owner and can invite the other maintainers."
        breadcrumbs={[{ label: 'Projects', to: '/projects' }]}
      />
      <Card>
        <ProjectForm
          initial={EMPTY_PROJECT}
          isNew
          action={create}
          submitLabel="Create project"
          onSubmit={(values) => void create.run(values)}
          secondary={<ButtonLink to="/projects">Cancel</ButtonLink>}
        />
      </Card>
    </div>
  );
}
