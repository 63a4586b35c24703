import { ApiError, unwrap } from '@surplus/api-client';
import { useNavigate, useParams } from 'react-router';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { ButtonLink } from '../../components/Button.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { EDITABLE_STATES } from './labels.ts';
import { emptyRequest, newLine, RequestForm, type RequestFormSave, requestFormFields, toRequestBody } from './RequestForm.tsx';

/** Ask a program for servers: from a project page (`/projects/:project/requests/new`) or from the requests list. */
export function RequestCreate() {
  const { project: projectKey } = useParams();
  const { client } = useSession();
  const toast = useToast();
  const navigate = useNavigate();
  const data = useResource(`request-new:${projectKey ?? ''}`, async () => {
    const [catalog, programs, project, owned] = await Promise.all([
      unwrap(client.GET('/api/v1/catalog')),
      unwrap(client.GET('/api/v1/programs')),
      projectKey ? unwrap(client.GET('/api/v1/projects/{project}', { params: { path: { project: projectKey } } })) : null,
      projectKey
        ? null
        : unwrap(client.GET('/api/v1/projects', { params: { query: { scope: 'mine', limit: 100 } } })).then((page) =>
            page.items.filter((p) => p.my_role === 'owner'),
          ),
    ]);
    return { catalog, programs: programs.items, project, owned };
  });
  const save = useAction(async ({ values, isSubmit }: RequestFormSave) => {
    const created = await unwrap(
      client.POST('/api/v1/requests', {
        body: { program: values.program, project: values.project, ...toRequestBody(values), submit: isSubmit },
      }),
    );
    toast.success(isSubmit ? `Request #${created.number} submitted.` : `Draft #${created.number} saved.`);
    navigate(`/requests/${created.id}`);
  }, requestFormFields(50));

  if (data.isLoading && !data.data) return <PageLoading label="Loading the catalog…" />;
  if (data.error instanceof ApiError && data.error.status === 404)
    return (
      <EmptyState icon="projects" title="Project not found">
        It does not exist, or you are not a member of it.
      </EmptyState>
    );
  if (!data.data) return <ErrorBanner error={data.error} onRetry={data.reload} />;
  const { catalog, programs, project, owned } = data.data;
  const breadcrumbs = project
    ? [
        { label: 'Projects', to: '/projects' },
        { label: project.name, to: `/projects/${project.slug}` },
      ]
    : [{ label: 'Requests', to: '/requests' }];
  const header = (
    <PageHeader
      breadcrumbs={breadcrumbs}
      title="Request resources"
      description={
        project
          ? `Ask a program for bare-metal servers for ${project.name}. Reviewers see what you write here.`
          : 'Ask a program for bare-metal servers for a project you own.'
      }
    />
  );
  if (project && project.my_role !== 'owner')
    return (
      <>
        {header}
        <Banner tone="warning" title="Only owners ask for resources">
          You are {project.my_role ? `a ${project.my_role}` : 'not a member'} of {project.name}; ask one of its owners.
        </Banner>
      </>
    );
  if (programs.length === 0)
    return (
      <>
        {header}
        <EmptyState icon="layers" title="No program takes requests yet">
          When the sponsor opens a program, you can ask it for servers here.
        </EmptyState>
      </>
    );
  if (owned && owned.length === 0)
    return (
      <>
        {header}
        <EmptyState
          icon="projects"
          title="Register your project first"
          actions={
            <ButtonLink to="/projects/new" variant="primary">
              Register a project
            </ButtonLink>
          }
        >
          Requests are made for a project you own.
        </EmptyState>
      </>
    );
  const initial = emptyRequest(programs[0]?.slug ?? '', project?.slug ?? owned?.[0]?.slug ?? '');
  return (
    <>
      {header}
      <RequestForm
        initial={initial}
        catalog={catalog}
        programs={programs}
        projects={owned ? owned.map((p) => ({ slug: p.slug, name: p.name })) : null}
        action={save}
        isNew
        onSave={(input) => void save.run(input)}
        cancelTo={project ? `/projects/${project.slug}/requests` : '/requests'}
      />
    </>
  );
}

/** Change a request while it is a draft, needs information, or came back with changes requested. */
export function RequestEdit() {
  const { id = '' } = useParams();
  const { client } = useSession();
  const toast = useToast();
  const navigate = useNavigate();
  const data = useResource(`request-edit:${id}`, async () => {
    const [catalog, programs, request] = await Promise.all([
      unwrap(client.GET('/api/v1/catalog')),
      unwrap(client.GET('/api/v1/programs')),
      unwrap(client.GET('/api/v1/requests/{id}', { params: { path: { id } } })),
    ]);
    return { catalog, programs: programs.items, request };
  });
  const save = useAction(async ({ values, isSubmit }: RequestFormSave) => {
    const path = { params: { path: { id } } };
    let saved = await unwrap(client.PATCH('/api/v1/requests/{id}', { ...path, body: toRequestBody(values) }));
    if (isSubmit) saved = await unwrap(client.POST('/api/v1/requests/{id}/submit', path));
    toast.success(isSubmit ? `Request #${saved.number} submitted.` : `Request #${saved.number} saved.`);
    navigate(`/requests/${id}`);
  }, requestFormFields(50));

  if (data.isLoading && !data.data) return <PageLoading label="Loading the request…" />;
  if (data.error instanceof ApiError && data.error.status === 404) return <EmptyState icon="inbox" title="Request not found" />;
  if (!data.data) return <ErrorBanner error={data.error} onRetry={data.reload} />;
  const { catalog, programs, request } = data.data;
  const header = (
    <PageHeader
      breadcrumbs={[
        { label: 'Requests', to: '/requests' },
        { label: `#${request.number}`, to: `/requests/${request.id}` },
      ]}
      title={`Edit request #${request.number}`}
      description={request.title}
    />
  );
  if (!EDITABLE_STATES.includes(request.state))
    return (
      <>
        {header}
        <Banner tone="info" title="This request can no longer be edited">
          Requests can be changed while they are drafts, need information, or have changes requested.
        </Banner>
      </>
    );
  const initial = {
    ...emptyRequest(request.program.slug, request.project?.slug ?? ''),
    purpose: request.purpose ?? '',
    title: request.title,
    description: request.description,
    lines: request.resources.length
      ? request.resources.map((line) =>
          newLine({
            plan: line.plan ?? '',
            quantity: String(line.quantity),
            metro: line.metro ?? '',
            operating_system: line.operating_system ?? '',
          }),
        )
      : [newLine()],
    duration: request.duration,
    end_on: request.end_on ?? '',
    review_on: request.review_on ?? '',
    start_on: request.start_on ?? '',
    publish_results: request.publish_results,
    acknowledges_sponsor: request.acknowledges_sponsor,
  } as const;
  const changesAsked =
    request.state === 'changes_requested' ? request.timeline.findLast((event) => event.to_state === 'changes_requested')?.note : null;
  const visiblePrograms = programs.some((p) => p.slug === request.program.slug)
    ? programs
    : [...programs, { ...request.program } as (typeof programs)[number]];
  return (
    <>
      {header}
      {changesAsked ? (
        <div className="page-banner">
          <Banner tone="warning" title="The reviewers asked for changes">
            <span className="pre-line">{changesAsked}</span>
          </Banner>
        </div>
      ) : null}
      {request.missing.length > 0 ? (
        <div className="page-banner">
          <Banner tone="warning" title="Still missing">
            {request.missing.join('; ')}
          </Banner>
        </div>
      ) : null}
      <RequestForm
        initial={{ ...initial, lines: [...initial.lines] }}
        catalog={catalog}
        programs={visiblePrograms}
        projects={null}
        action={save}
        isNew={false}
        onSave={(input) => void save.run(input)}
        cancelTo={`/requests/${request.id}`}
      />
    </>
  );
}
