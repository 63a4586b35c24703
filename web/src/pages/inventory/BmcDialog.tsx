import { unwrap } from '@surplus/api-client';
import { useEffect, useState } from 'react';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useSession } from '../../session.tsx';
import { BMC_FIELDS, BmcFields, type BmcValues, bmcUpdateFields } from './BmcFields.tsx';
import type { MachineDetail } from './machine-states.tsx';

function valuesOf(machine: MachineDetail): BmcValues {
  return {
    bmc_provider: machine.bmc_provider,
    bmc_url: machine.bmc_url ?? '',
    bmc_username: machine.bmc_username ?? '',
    bmc_password: '',
    tls: machine.bmc_insecure ? 'insecure' : machine.bmc_ca_pem ? 'ca' : 'system',
    bmc_ca_pem: machine.bmc_ca_pem ?? '',
    bmc_system_path: machine.bmc_system_path ?? '',
  };
}

/** Changes how the BMC is reached; the API probes it again when the machine is in or entering the pool. */
export function BmcDialog({
  machine,
  isOpen,
  onClose,
  onSaved,
}: {
  machine: MachineDetail;
  isOpen: boolean;
  onClose: () => void;
  onSaved: (machine: MachineDetail) => void;
}) {
  const { client } = useSession();
  const [values, setValues] = useState<BmcValues>(() => valuesOf(machine));
  const save = useAction(async () => {
    const updated = await unwrap(
      client.PATCH('/api/v1/machines/{id}', { params: { path: { id: machine.id } }, body: bmcUpdateFields(values) }),
    );
    onSaved(updated);
  }, BMC_FIELDS);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the form starts again from the machine each time it opens
  useEffect(() => {
    if (isOpen) {
      setValues(valuesOf(machine));
      save.reset();
    }
  }, [isOpen]);
  return (
    <Dialog
      isOpen={isOpen}
      title={`BMC of ${machine.hostname}`}
      onClose={onClose}
      onSubmit={() => void save.run(undefined)}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" isLoading={save.isRunning}>
            Save
          </Button>
        </>
      }
    >
      <ErrorBanner error={save.bannerError} title="The BMC settings were not saved" />
      <div className="form">
        <BmcFields
          values={values}
          onChange={(next) => setValues((current) => ({ ...current, ...next }))}
          fieldError={save.fieldError}
          hasPassword={machine.has_bmc_password}
        />
      </div>
    </Dialog>
  );
}
