import { unwrap } from '@surplus/api-client';
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { SelectField, TextAreaField, TextField } from '../../components/Field.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { BMC_FIELDS, BmcFields, type BmcValues, bmcEnrollFields } from './BmcFields.tsx';

type Values = BmcValues & { hostname: string; serial: string; plan: string; metro: string; location: string; macs: string };

const EMPTY: Values = {
  hostname: '',
  serial: '',
  plan: '',
  metro: '',
  location: '',
  macs: '',
  bmc_provider: 'redfish',
  bmc_url: '',
  bmc_username: '',
  bmc_password: '',
  tls: 'system',
  bmc_ca_pem: '',
  bmc_system_path: '',
};

/** One machine by hand. The page it leads to follows the probe while the machine is enrolling. */
export function MachineEnroll() {
  const { client } = useSession();
  const toast = useToast();
  const navigate = useNavigate();
  const catalog = useResource('catalog', () => unwrap(client.GET('/api/v1/catalog')));
  const [values, setValues] = useState<Values>(EMPTY);
  const set = (next: Partial<Values>) => setValues((current) => ({ ...current, ...next }));
  const plans = catalog.data?.plans ?? [];
  const metros = catalog.data?.metros ?? [];
  const plan = values.plan || plans[0]?.slug || '';
  const metro = values.metro || metros[0]?.code || '';

  const enroll = useAction(async () => {
    const macs = values.macs
      .split(/[\s,;]+/)
      .map((mac) => mac.trim())
      .filter(Boolean);
    const created = await unwrap(
      client.POST('/api/v1/machines', {
        body: {
          hostname: values.hostname.trim(),
          ...(values.serial.trim() ? { serial: values.serial.trim() } : {}),
          plan,
          metro,
          location: values.location.trim(),
          macs,
          ...bmcEnrollFields(values),
        },
      }),
    );
    toast.success(
      created.state === 'enrolling' ? `${created.hostname} is enrolling: its BMC is being probed.` : `${created.hostname} is in the pool.`,
    );
    navigate(`/inventory/machines/${created.id}`);
  }, ['hostname', 'serial', 'plan', 'metro', 'location', 'macs', ...BMC_FIELDS]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void enroll.run(undefined);
  };

  return (
    <div className="main-narrow">
      <PageHeader
        title="Enroll a machine"
        description="Surplus probes the BMC, reads the hardware and its MACs, and puts the machine in the pool when everything answers."
        breadcrumbs={[{ label: 'Inventory', to: '/inventory' }]}
      />
      <form className="stack-lg" onSubmit={submit} noValidate aria-label="Enroll a machine">
        <ErrorBanner error={enroll.bannerError} title="The machine was not enrolled" />
        <Card title="Machine">
          <div className="form">
            <div className="form-row">
              <TextField
                label="Hostname"
                placeholder="rack3-node07"
                autoComplete="off"
                value={values.hostname}
                onChange={(event) => set({ hostname: event.target.value })}
                error={enroll.fieldError('hostname')}
                hint="One RFC 1123 label: letters, digits and inner dashes."
              />
              <TextField
                label="Serial number"
                isOptional
                value={values.serial}
                onChange={(event) => set({ serial: event.target.value })}
                error={enroll.fieldError('serial')}
              />
            </div>
            <div className="form-row">
              <SelectField
                label="Plan"
                value={plan}
                onChange={(event) => set({ plan: event.target.value })}
                error={enroll.fieldError('plan')}
              >
                {plans.map((p) => (
                  <option key={p.slug} value={p.slug}>
                    {p.slug} · {p.cpu.cores} cores, {p.memory_gb} GB ({p.architecture})
                  </option>
                ))}
              </SelectField>
              <SelectField
                label="Metro"
                value={metro}
                onChange={(event) => set({ metro: event.target.value })}
                error={enroll.fieldError('metro')}
              >
                {metros.map((m) => (
                  <option key={m.code} value={m.code}>
                    {m.name} ({m.code})
                  </option>
                ))}
              </SelectField>
            </div>
            <TextField
              label="Location"
              isOptional
              placeholder="AMS1 row 3 rack 12 U20"
              value={values.location}
              onChange={(event) => set({ location: event.target.value })}
              error={enroll.fieldError('location')}
            />
            <TextAreaField
              label="MAC addresses"
              isOptional
              rows={2}
              className="mono textarea-short"
              placeholder="aa:bb:cc:dd:ee:01 aa:bb:cc:dd:ee:02"
              value={values.macs}
              onChange={(event) => set({ macs: event.target.value })}
              error={enroll.fieldError('macs')}
              hint="Separated by spaces or new lines. The probe adds the NICs the BMC reports; a manual machine needs the one it netboots from."
            />
          </div>
        </Card>
        <Card title="BMC" description="How Surplus powers the machine and makes it boot from the network.">
          <div className="form">
            <BmcFields values={values} onChange={set} fieldError={enroll.fieldError} />
          </div>
        </Card>
        <div className="btn-row">
          <Button type="submit" variant="primary" isLoading={enroll.isRunning}>
            Enroll machine
          </Button>
          <ButtonLink to="/inventory">Cancel</ButtonLink>
        </div>
      </form>
    </div>
  );
}
