import { unwrap } from '@surplus/api-client';
import { useNavigate } from 'react-router';
import { ButtonLink } from '../../components/Button.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useSession } from '../../session.tsx';
import { PROGRAM_FORM_FIELDS, ProgramForm, type ProgramFormValues, programFormValues, toProgramBody } from './ProgramForm.tsx';

export function ProgramCreate() {
  const { client } = useSession();
  const toast = useToast();
  const navigate = useNavigate();
  const create = useAction(async (values: ProgramFormValues) => {
    const created = await unwrap(
      client.POST('/api/v1/programs', { body: { slug: values.slug.trim(), currency: values.currency, ...toProgramBody(values, null) } }),
    );
    toast.success(`Created ${created.name}.`);
    navigate(`/programs/${created.slug}`);
  }, PROGRAM_FORM_FIELDS);
  return (
    <div className="main-narrow">
      <PageHeader
        breadcrumbs={[{ label: 'Programs', to: '/programs' }]}
        title="New program"
        description="Start small: a modest budget, a clear policy, and a target for how fast requests get an answer."
      />
      <ProgramForm
        initial={programFormValues(null)}
        isNew
        hasSecret={false}
        action={create}
        submitLabel="Create program"
        onSubmit={(values) => void create.run(values)}
        secondary={
          <ButtonLink to="/programs" variant="ghost">
            Cancel
          </ButtonLink>
        }
      />
    </div>
  );
}
