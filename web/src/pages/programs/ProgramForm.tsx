import type { Schemas } from '@surplus/api-client';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { Checkbox, Field, SelectField, Switch, TextField } from '../../components/Field.tsx';
import { MarkdownEditor } from '../../components/MarkdownEditor.tsx';
import { centsFromInput, inputFromCents } from '../../components/money.ts';
import type { Action } from '../../hooks/use-action.ts';
import { slugify } from '../projects/slug.ts';
import { PURPOSES, type Purpose } from '../requests/labels.ts';

type Program = Schemas['Program'];
type Policy = Schemas['ProgramPolicy'];

export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export type ProgramFormValues = {
  slug: string;
  name: string;
  description: string;
  currency: string;
  budget: string;
  fiscal_year_start_month: number;
  is_public: boolean;
  github_repository: string;
  github_secret: string;
  require_osi_license: boolean;
  require_public_repository: boolean;
  foundations: string;
  min_maintainers: string;
  auto_enabled: boolean;
  auto_max: string;
  auto_purposes: Purpose[];
  auto_good_standing: boolean;
  is_two_vote_rule: boolean;
  default_grant_days: string;
  min_notice_days: string;
  review_target_days: string;
};

export const PROGRAM_FORM_FIELDS = [
  'slug',
  'name',
  'description',
  'currency',
  'budget_cents_per_year',
  'fiscal_year_start_month',
  'is_public',
  'github_repository',
  'github_secret',
  'policy',
];

export function programFormValues(program: Program | null): ProgramFormValues {
  const policy = program?.policy;
  return {
    slug: program?.slug ?? '',
    name: program?.name ?? '',
    description: program?.description ?? '',
    currency: program?.currency ?? 'USD',
    budget: program ? inputFromCents(program.budget_cents_per_year) : '',
    fiscal_year_start_month: program?.fiscal_year_start_month ?? 1,
    is_public: program?.is_public ?? true,
    github_repository: program?.github_repository ?? '',
    github_secret: '',
    require_osi_license: policy?.eligibility.require_osi_license ?? true,
    require_public_repository: policy?.eligibility.require_public_repository ?? true,
    foundations: policy?.eligibility.foundations.join(', ') ?? '',
    min_maintainers: String(policy?.eligibility.min_maintainers ?? 1),
    auto_enabled: policy?.auto_approval.is_enabled ?? false,
    auto_max: policy ? inputFromCents(policy.auto_approval.max_monthly_estimate_cents) : '0',
    auto_purposes: policy?.auto_approval.purposes ?? [],
    auto_good_standing: policy?.auto_approval.requires_good_standing ?? true,
    is_two_vote_rule: (policy?.approvals_required ?? 1) >= 2,
    default_grant_days: String(policy?.default_grant_days ?? 365),
    min_notice_days: String(policy?.min_notice_days ?? 30),
    review_target_days: String(policy?.review_target_days ?? 5),
  };
}

/**
 * The policy as the API takes it. Keys this form does not edit (added by later areas, such as
 * metering) are carried over from the current policy rather than reset.
 */
export function toPolicy(values: ProgramFormValues, current: Policy | null): Policy {
  return {
    ...(current ?? {}),
    eligibility: {
      ...(current?.eligibility ?? {}),
      require_osi_license: values.require_osi_license,
      require_public_repository: values.require_public_repository,
      foundations: values.foundations
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean),
      min_maintainers: Number(values.min_maintainers),
    },
    auto_approval: {
      ...(current?.auto_approval ?? {}),
      is_enabled: values.auto_enabled,
      max_monthly_estimate_cents: centsFromInput(values.auto_max) ?? 0,
      purposes: values.auto_purposes,
      requires_good_standing: values.auto_good_standing,
    },
    approvals_required: values.is_two_vote_rule ? 2 : 1,
    default_grant_days: Number(values.default_grant_days),
    min_notice_days: Number(values.min_notice_days),
    review_target_days: Number(values.review_target_days),
    // A new program has no metering policy yet: the server fills in its defaults.
  } as Policy;
}

/** The fields both create and update take; slug and currency only on create. */
export function toProgramBody(values: ProgramFormValues, current: Program | null) {
  return {
    name: values.name.trim(),
    description: values.description,
    budget_cents_per_year: centsFromInput(values.budget) ?? -1,
    fiscal_year_start_month: values.fiscal_year_start_month,
    is_public: values.is_public,
    github_repository: values.github_repository.trim() || null,
    ...(values.github_secret ? { github_secret: values.github_secret } : {}),
    policy: toPolicy(values, current?.policy ?? null),
  };
}

/** Program settings and policy, for a new program and for editing one (admins and the program's leads). */
export function ProgramForm({
  initial,
  isNew,
  hasSecret,
  action,
  submitLabel,
  onSubmit,
  secondary,
}: {
  initial: ProgramFormValues;
  isNew: boolean;
  hasSecret: boolean;
  action: Action<ProgramFormValues, unknown>;
  submitLabel: string;
  onSubmit: (values: ProgramFormValues) => void;
  secondary?: ReactNode;
}) {
  const [values, setValues] = useState(initial);
  const [isSlugEdited, setIsSlugEdited] = useState(!isNew);
  const formRef = useRef<HTMLFormElement>(null);
  const set = <K extends keyof ProgramFormValues>(key: K, value: ProgramFormValues[K]) =>
    setValues((current) => ({ ...current, [key]: value }));
  const error = (field: string) => action.fieldError(field) ?? action.fieldError(`policy.${field}`);
  const budgetError =
    values.budget && centsFromInput(values.budget) === null ? 'Enter an amount in whole dollars or cents, e.g. 250000' : undefined;

  useEffect(() => {
    if (action.error) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [action.error]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (budgetError) return;
    onSubmit(values);
  };

  return (
    <form ref={formRef} className="form" onSubmit={submit} noValidate aria-label={isNew ? 'New program' : 'Program settings'}>
      <ErrorBanner error={action.bannerError} title={isNew ? 'The program was not created' : 'The changes were not saved'} />
      <Card title="Program">
        <div className="form">
          <div className="form-row">
            <TextField
              label="Name"
              value={values.name}
              onChange={(event) => {
                const name = event.target.value;
                setValues((current) => ({ ...current, name, slug: isSlugEdited ? current.slug : slugify(name) }));
              }}
              error={error('name')}
              autoFocus={isNew}
            />
            <TextField
              label="Slug"
              value={values.slug}
              readOnly={!isNew}
              onChange={(event) => {
                setIsSlugEdited(true);
                set('slug', event.target.value);
              }}
              error={error('slug')}
              hint={isNew ? 'Used in URLs and the CLI; it cannot change later.' : 'The slug cannot change.'}
            />
          </div>
          <Field
            label="Description"
            isOptional
            error={error('description')}
            hint="Who the program is for and what it offers. Applicants see it. Markdown."
          >
            {(control) => (
              <MarkdownEditor
                label="Program description editor"
                value={values.description}
                onChange={(value) => set('description', value)}
                error={error('description')}
                control={control}
                isCompact
              />
            )}
          </Field>
          <div className="form-row form-row-3">
            <Field label={`Yearly budget (${values.currency})`} error={budgetError ?? error('budget_cents_per_year')}>
              {(control) => (
                <div className="input-group">
                  <span className="addon">$</span>
                  <input
                    className="input"
                    inputMode="decimal"
                    {...control}
                    value={values.budget}
                    onChange={(event) => set('budget', event.target.value)}
                  />
                </div>
              )}
            </Field>
            <SelectField
              label="Fiscal year starts"
              value={values.fiscal_year_start_month}
              onChange={(event) => set('fiscal_year_start_month', Number(event.target.value))}
              error={error('fiscal_year_start_month')}
            >
              {MONTHS.map((month, index) => (
                <option key={month} value={index + 1}>
                  {month}
                </option>
              ))}
            </SelectField>
            <TextField
              label="Currency"
              value={values.currency}
              readOnly={!isNew}
              maxLength={3}
              onChange={(event) => set('currency', event.target.value.toUpperCase())}
              error={error('currency')}
              hint="ISO 4217, e.g. USD."
            />
          </div>
          <Switch
            label="Public program"
            hint="Anyone signed in can see it and apply; supported projects can appear in the public directory."
            checked={values.is_public}
            onChange={(event) => set('is_public', event.target.checked)}
          />
        </div>
      </Card>

      <Card
        title="GitHub intake"
        description="Optional: requests opened as issues in one GitHub repository, delivered to POST /hooks/github."
      >
        <div className="form-row">
          <TextField
            label="Repository"
            isOptional
            placeholder="owner/repo"
            value={values.github_repository}
            onChange={(event) => set('github_repository', event.target.value)}
            error={error('github_repository')}
          />
          <TextField
            label="Webhook secret"
            type="password"
            autoComplete="new-password"
            isOptional={!values.github_repository || hasSecret}
            placeholder={hasSecret ? '•••••••• (set; type to replace)' : ''}
            value={values.github_secret}
            onChange={(event) => set('github_secret', event.target.value)}
            error={error('github_secret')}
            hint="The secret set on the repository’s webhook. Never shown again."
          />
        </div>
      </Card>

      <Card title="Eligibility" description="Checked automatically for every request; applicants see the result.">
        <div className="form">
          <div className="check-grid">
            <Checkbox
              label="OSI-approved licence required"
              checked={values.require_osi_license}
              onChange={(event) => set('require_osi_license', event.target.checked)}
            />
            <Checkbox
              label="Public repository required"
              checked={values.require_public_repository}
              onChange={(event) => set('require_public_repository', event.target.checked)}
            />
          </div>
          <div className="form-row">
            <TextField
              label="Foundations"
              isOptional
              placeholder="CNCF, Linux Foundation"
              value={values.foundations}
              onChange={(event) => set('foundations', event.target.value)}
              error={error('eligibility.foundations')}
              hint="Comma-separated. When set, the project must belong to one."
            />
            <TextField
              label="Minimum maintainers"
              type="number"
              min={0}
              max={100}
              value={values.min_maintainers}
              onChange={(event) => set('min_maintainers', event.target.value)}
              error={error('eligibility.min_maintainers')}
            />
          </div>
        </div>
      </Card>

      <Card title="Review and grants">
        <div className="form">
          <Switch
            label="Two-vote rule"
            hint="Approving needs two +1 votes from different reviewers and no −1."
            checked={values.is_two_vote_rule}
            onChange={(event) => set('is_two_vote_rule', event.target.checked)}
          />
          <div className="form-row form-row-3">
            <TextField
              label="Review target (days)"
              type="number"
              min={1}
              value={values.review_target_days}
              onChange={(event) => set('review_target_days', event.target.value)}
              error={error('review_target_days')}
              hint="Requests waiting longer are flagged overdue."
            />
            <TextField
              label="Default grant length (days)"
              type="number"
              min={1}
              value={values.default_grant_days}
              onChange={(event) => set('default_grant_days', event.target.value)}
              error={error('default_grant_days')}
            />
            <TextField
              label="Minimum notice (days)"
              type="number"
              min={0}
              value={values.min_notice_days}
              onChange={(event) => set('min_notice_days', event.target.value)}
              error={error('min_notice_days')}
              hint="Before staff can end a grant early."
            />
          </div>
        </div>
      </Card>

      <Card
        title="Auto-approval"
        description="Small, eligible requests from projects in good standing can be approved by the system at once."
      >
        <div className="form">
          <Switch
            label="Approve automatically when every rule below holds"
            checked={values.auto_enabled}
            onChange={(event) => set('auto_enabled', event.target.checked)}
          />
          <fieldset className="fieldset" disabled={!values.auto_enabled}>
            <legend className="visually-hidden">Auto-approval rules</legend>
            <div className="form">
              <Field label="Largest monthly estimate" error={error('auto_approval.max_monthly_estimate_cents')}>
                {(control) => (
                  <div className="input-group" style={{ maxWidth: 240 }}>
                    <span className="addon">$</span>
                    <input
                      className="input"
                      inputMode="decimal"
                      {...control}
                      value={values.auto_max}
                      onChange={(event) => set('auto_max', event.target.value)}
                    />
                  </div>
                )}
              </Field>
              <fieldset className="fieldset">
                <legend>Purposes (none checked: every purpose)</legend>
                <div className="check-grid">
                  {PURPOSES.map((purpose) => (
                    <Checkbox
                      key={purpose.value}
                      label={purpose.label}
                      checked={values.auto_purposes.includes(purpose.value)}
                      onChange={(event) =>
                        set(
                          'auto_purposes',
                          event.target.checked
                            ? [...values.auto_purposes, purpose.value]
                            : values.auto_purposes.filter((p) => p !== purpose.value),
                        )
                      }
                    />
                  ))}
                </div>
              </fieldset>
              <Checkbox
                label="Project in good standing"
                hint="No revoked grant and no declined request in the last 180 days."
                checked={values.auto_good_standing}
                onChange={(event) => set('auto_good_standing', event.target.checked)}
              />
            </div>
          </fieldset>
        </div>
      </Card>

      <div className="btn-row">
        <Button type="submit" variant="primary" isLoading={action.isRunning}>
          {submitLabel}
        </Button>
        {secondary}
      </div>
    </form>
  );
}
