import type { Schemas } from '@surplus/api-client';
import { SelectField, TextAreaField, TextField } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PROVIDER_LABELS } from './machine-states.tsx';

export type BmcValues = {
  bmc_provider: Schemas['BmcProvider'];
  bmc_url: string;
  bmc_username: string;
  bmc_password: string;
  tls: 'system' | 'ca' | 'insecure';
  bmc_ca_pem: string;
  bmc_system_path: string;
};

export const PROVIDER_HINTS: Record<Schemas['BmcProvider'], string> = {
  redfish: 'A server’s BMC (iDRAC, iLO, XClarity, OpenBMC…) over Redfish: URL, account and password.',
  lab: 'A lab machine behind Surplus’s own virtual BMC.',
  manual: 'No usable BMC: an operator does each power and boot step by hand and confirms it.',
};

/**
 * The BMC part of the enroll form and of the machine's BMC dialog. `fieldError` maps the API's
 * field names (bmc_url, bmc_password…) to the inline messages.
 */
export function BmcFields({
  values,
  onChange,
  fieldError,
  hasPassword = false,
}: {
  values: BmcValues;
  onChange: (next: Partial<BmcValues>) => void;
  fieldError: (name: string) => string | undefined;
  /** Editing: a password is stored, so leaving the field empty keeps it. */
  hasPassword?: boolean;
}) {
  const isManual = values.bmc_provider === 'manual';
  const isHttps = !values.bmc_url.trim().toLowerCase().startsWith('http:');
  return (
    <>
      <SelectField
        label="BMC provider"
        value={values.bmc_provider}
        onChange={(event) => onChange({ bmc_provider: event.target.value as Schemas['BmcProvider'] })}
        error={fieldError('bmc_provider')}
        hint={PROVIDER_HINTS[values.bmc_provider]}
      >
        {(Object.keys(PROVIDER_LABELS) as Schemas['BmcProvider'][]).map((provider) => (
          <option key={provider} value={provider}>
            {PROVIDER_LABELS[provider]}
          </option>
        ))}
      </SelectField>
      {isManual ? null : (
        <>
          <TextField
            label="BMC URL"
            type="url"
            placeholder="https://10.0.0.5"
            autoComplete="off"
            value={values.bmc_url}
            onChange={(event) => onChange({ bmc_url: event.target.value })}
            error={fieldError('bmc_url')}
            hint="The Redfish service: https://address (the /redfish/v1 root is found from there)."
          />
          <div className="form-row">
            <TextField
              label="Username"
              autoComplete="off"
              isOptional={values.bmc_provider !== 'redfish'}
              value={values.bmc_username}
              onChange={(event) => onChange({ bmc_username: event.target.value })}
              error={fieldError('bmc_username')}
            />
            <TextField
              label="Password"
              type="password"
              autoComplete="new-password"
              isOptional={values.bmc_provider !== 'redfish' || hasPassword}
              placeholder={hasPassword ? 'Unchanged' : ''}
              value={values.bmc_password}
              onChange={(event) => onChange({ bmc_password: event.target.value })}
              error={fieldError('bmc_password')}
              hint={hasPassword ? 'Stored encrypted. Leave empty to keep it.' : 'Stored encrypted; never shown again.'}
            />
          </div>
          {isHttps ? (
            <fieldset className="fieldset">
              <legend>TLS certificate of the BMC</legend>
              <div className="stack">
                <label className="check">
                  <input type="radio" name="bmc-tls" checked={values.tls === 'system'} onChange={() => onChange({ tls: 'system' })} />
                  <span>
                    <span className="check-label">Check it against the system’s CAs</span>
                  </span>
                </label>
                <label className="check">
                  <input type="radio" name="bmc-tls" checked={values.tls === 'ca'} onChange={() => onChange({ tls: 'ca' })} />
                  <span>
                    <span className="check-label">Check it against a CA I give</span>
                    <span className="field-hint">The CA that signed the BMC’s certificate, or the BMC’s self-signed certificate.</span>
                  </span>
                </label>
                <label className="check">
                  <input type="radio" name="bmc-tls" checked={values.tls === 'insecure'} onChange={() => onChange({ tls: 'insecure' })} />
                  <span>
                    <span className="check-label">Don’t check it (insecure)</span>
                    <span className="field-hint">For this machine only. Anyone on the path could read the BMC password.</span>
                  </span>
                </label>
              </div>
              {fieldError('bmc_insecure') ? (
                <div className="field-error">
                  <Icon name="alert" size={14} />
                  <span>{fieldError('bmc_insecure')}</span>
                </div>
              ) : null}
            </fieldset>
          ) : null}
          {isHttps && values.tls === 'ca' ? (
            <TextAreaField
              label="CA certificate (PEM)"
              className="csv-input"
              rows={6}
              placeholder={'-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----'}
              value={values.bmc_ca_pem}
              onChange={(event) => onChange({ bmc_ca_pem: event.target.value })}
              error={fieldError('bmc_ca_pem')}
            />
          ) : null}
          <TextField
            label="Redfish system"
            isOptional
            placeholder="/redfish/v1/Systems/1"
            value={values.bmc_system_path}
            onChange={(event) => onChange({ bmc_system_path: event.target.value })}
            error={fieldError('bmc_system_path')}
            hint="Only when the BMC manages several systems."
          />
        </>
      )}
    </>
  );
}

const isHttpsUrl = (url: string) => !url.trim().toLowerCase().startsWith('http:');

/** The BMC part of an enroll body: empty fields are left out, the TLS choice becomes a CA or "insecure". */
export function bmcEnrollFields(
  values: BmcValues,
): Pick<
  Schemas['MachineEnrollBody'],
  'bmc_provider' | 'bmc_url' | 'bmc_username' | 'bmc_password' | 'bmc_ca_pem' | 'bmc_insecure' | 'bmc_system_path'
> {
  if (values.bmc_provider === 'manual') return { bmc_provider: 'manual' };
  const text = (value: string) => value.trim() || undefined;
  const isHttps = isHttpsUrl(values.bmc_url);
  return {
    bmc_provider: values.bmc_provider,
    bmc_url: text(values.bmc_url),
    bmc_username: text(values.bmc_username),
    bmc_password: values.bmc_password || undefined,
    bmc_ca_pem: isHttps && values.tls === 'ca' ? text(values.bmc_ca_pem) : undefined,
    bmc_insecure: isHttps && values.tls === 'insecure',
    bmc_system_path: text(values.bmc_system_path),
  };
}

/** The same as an update: emptied fields are removed (null); an empty password keeps the stored one. */
export function bmcUpdateFields(values: BmcValues): Schemas['MachineUpdateBody'] {
  if (values.bmc_provider === 'manual') return { bmc_provider: 'manual' };
  const text = (value: string) => value.trim() || null;
  const isHttps = isHttpsUrl(values.bmc_url);
  return {
    bmc_provider: values.bmc_provider,
    bmc_url: text(values.bmc_url),
    bmc_username: text(values.bmc_username),
    ...(values.bmc_password ? { bmc_password: values.bmc_password } : {}),
    bmc_ca_pem: isHttps && values.tls === 'ca' ? text(values.bmc_ca_pem) : null,
    bmc_insecure: isHttps && values.tls === 'insecure',
    bmc_system_path: text(values.bmc_system_path),
  };
}

export const BMC_FIELDS = ['bmc_provider', 'bmc_url', 'bmc_username', 'bmc_password', 'bmc_ca_pem', 'bmc_insecure', 'bmc_system_path'];
