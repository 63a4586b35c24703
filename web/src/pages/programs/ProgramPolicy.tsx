import { unwrap } from '@surplus/api-client';
import { Banner } from '../../components/Banner.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useSession } from '../../session.tsx';
import { PROGRAM_FORM_FIELDS, ProgramForm, type ProgramFormValues, programFormValues, toProgramBody } from './ProgramForm.tsx';
import { useProgram } from './ProgramLayout.tsx';

/** The program's settings and policy: editable by admins and the program's leads, readable by other staff. */
export function ProgramPolicy() {
  const { program, canManage, setProgram } = useProgram();
  const { client } = useSession();
  const toast = useToast();
  const save = useAction(async (values: ProgramFormValues) => {
    const updated = await unwrap(
      client.PATCH('/api/v1/programs/{program}', { params: { path: { program: program.id } }, body: toProgramBody(values, program) }),
    );
    setProgram(updated);
    toast.success('Policy saved.');
  }, PROGRAM_FORM_FIELDS);
  return (
    <div className="main-narrow">
      {canManage ? null : (
        <div className="page-banner">
          <Banner tone="info">Only admins and the program’s leads change its policy. This is how it reads today.</Banner>
        </div>
      )}
      <fieldset className="fieldset-plain" disabled={!canManage}>
        <legend className="visually-hidden">Program settings and policy</legend>
        <ProgramForm
          key={program.id}
          initial={programFormValues(program)}
          isNew={false}
          hasSecret={program.has_github_secret}
          action={save}
          submitLabel="Save policy"
          onSubmit={(values) => void save.run(values)}
        />
      </fieldset>
    </div>
  );
}
