import type { Schemas } from '@surplus/api-client';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { Checkbox, Field, SelectField, TextAreaField, TextField } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { Spinner } from '../../components/Loading.tsx';
import { MarkdownEditor } from '../../components/MarkdownEditor.tsx';
import { formatCents } from '../../components/money.ts';
import { isoDay } from '../../components/time.ts';
import type { Action } from '../../hooks/use-action.ts';
import { useSession } from '../../session.tsx';
import { PURPOSES, type Purpose } from './labels.ts';
import { completeLine, type LineDraft, useEstimate } from './use-estimate.ts';

type Catalog = Schemas['Catalog'];
type Plan = Schemas['Plan'];

export type RequestFormValues = {
  program: string;
  project: string;
  purpose: Purpose | '';
  title: string;
  description: string;
  lines: LineDraft[];
  duration: 'fixed' | 'ongoing';
  end_on: string;
  review_on: string;
  start_on: string;
  publish_results: string;
  acknowledges_sponsor: boolean;
};

export type RequestFormSave = { values: RequestFormValues; isSubmit: boolean };

let nextLineKey = 1;
export function newLine(partial: Partial<Omit<LineDraft, 'key'>> = {}): LineDraft {
  return { key: nextLineKey++, plan: '', quantity: '1', metro: '', operating_system: '', ...partial };
}

export function emptyRequest(program: string, project: string): RequestFormValues {
  return {
    program,
    project,
    purpose: '',
    title: '',
    description: '',
    lines: [newLine()],
    duration: 'fixed',
    end_on: '',
    review_on: '',
    start_on: '',
    publish_results: '',
    acknowledges_sponsor: false,
  };
}

/** The form's values as a request body (create or update); lines must already be complete. */
export function toRequestBody(values: RequestFormValues) {
  return {
    purpose: (values.purpose || 'other') as Purpose,
    title: values.title.trim(),
    description: values.description,
    resources: values.lines.map((line) => completeLine(line)).filter((line) => line !== null),
    duration: values.duration,
    end_on: values.duration === 'fixed' && values.end_on ? values.end_on : null,
    review_on: values.duration === 'ongoing' && values.review_on ? values.review_on : null,
    start_on: values.start_on || null,
    publish_results: values.publish_results,
    acknowledges_sponsor: values.acknowledges_sponsor,
  };
}

/** The form's fields, for useAction to tell inline errors from banner ones. Lines come as both `[i]` and `.i`. */
export function requestFormFields(lineCount: number): string[] {
  const lines = Array.from({ length: lineCount }, (_, i) => [`resources[${i}]`, `resources.${i}`]).flat();
  return [
    'program',
    'project',
    'purpose',
    'title',
    'description',
    'resources',
    ...lines,
    'duration',
    'end_on',
    'review_on',
    'start_on',
    'publish_results',
    'acknowledges_sponsor',
  ];
}

const ARCH_LABELS: Record<string, string> = { x86_64: 'x86-64', aarch64: 'Arm64' };

/** Short enough to read in the closed select; the line's note below it gives the specs and price. */
function planOption(plan: Plan) {
  return plan.gpu ? `${plan.slug} (GPU)` : plan.slug;
}

type LineProblem = Partial<Record<'plan' | 'quantity' | 'metro' | 'operating_system', string>>;

function ResourceLineRow({
  line,
  index,
  catalog,
  monthlyCents,
  problem,
  canRemove,
  onChange,
  onRemove,
}: {
  line: LineDraft;
  index: number;
  catalog: Catalog;
  monthlyCents: number | undefined;
  problem: LineProblem & { line?: string };
  canRemove: boolean;
  onChange: (line: LineDraft) => void;
  onRemove: () => void;
}) {
  const plan = catalog.plans.find((p) => p.slug === line.plan);
  const systems = catalog.operating_systems.filter((os) => !plan || os.architectures.includes(plan.architecture));
  const architectures = [...new Set(catalog.plans.map((p) => p.architecture))];
  const n = index + 1;
  const messages = [problem.plan, problem.quantity, problem.metro, problem.operating_system, problem.line].filter(Boolean);
  const errorId = `line-${line.key}-error`;
  const invalid = (key: keyof LineProblem) => (problem[key] || problem.line ? true : undefined);
  const describedBy = messages.length > 0 ? errorId : undefined;

  return (
    // biome-ignore lint/a11y/useSemanticElements: a group of four selects is one resource line; fieldset breaks the grid layout
    <div className="resource-line" role="group" aria-label={`Line ${n}`} data-testid="resource-line">
      <select
        className="select"
        aria-label={`Plan, line ${n}`}
        aria-invalid={invalid('plan')}
        aria-describedby={describedBy}
        value={line.plan}
        onChange={(event) => {
          const next = catalog.plans.find((p) => p.slug === event.target.value);
          const os = catalog.operating_systems.find((o) => o.slug === line.operating_system);
          // An OS the new plan's architecture cannot boot is cleared rather than silently kept.
          const isOsOk = !next || !os || os.architectures.includes(next.architecture);
          onChange({ ...line, plan: event.target.value, operating_system: isOsOk ? line.operating_system : '' });
        }}
      >
        <option value="">Choose a plan…</option>
        {architectures.map((arch) => (
          <optgroup key={arch} label={ARCH_LABELS[arch] ?? arch}>
            {catalog.plans
              .filter((p) => p.architecture === arch && (p.is_available || p.slug === line.plan))
              .map((p) => (
                <option key={p.slug} value={p.slug}>
                  {planOption(p)}
                </option>
              ))}
          </optgroup>
        ))}
      </select>
      <input
        className="input"
        type="number"
        inputMode="numeric"
        min={1}
        max={1000}
        aria-label={`Quantity, line ${n}`}
        aria-invalid={invalid('quantity')}
        aria-describedby={describedBy}
        value={line.quantity}
        onChange={(event) => onChange({ ...line, quantity: event.target.value })}
      />
      <select
        className="select"
        aria-label={`Metro, line ${n}`}
        aria-invalid={invalid('metro')}
        aria-describedby={describedBy}
        value={line.metro}
        onChange={(event) => onChange({ ...line, metro: event.target.value })}
      >
        <option value="">Metro…</option>
        {catalog.metros
          .filter((metro) => metro.is_available || metro.code === line.metro)
          .map((metro) => (
            <option key={metro.code} value={metro.code}>
              {metro.name} ({metro.code})
            </option>
          ))}
      </select>
      <select
        className="select"
        aria-label={`Operating system, line ${n}`}
        aria-invalid={invalid('operating_system')}
        aria-describedby={describedBy}
        value={line.operating_system}
        onChange={(event) => onChange({ ...line, operating_system: event.target.value })}
      >
        <option value="">Operating system…</option>
        {systems.map((os) => (
          <option key={os.slug} value={os.slug} disabled={os.status === 'end_of_life'}>
            {os.name}
            {os.status === 'deprecated' ? ' (deprecated)' : os.status === 'end_of_life' ? ' (end of life)' : ''}
          </option>
        ))}
      </select>
      <output className="line-cost" aria-label={`Monthly cost, line ${n}`} data-testid="line-cost">
        {monthlyCents !== undefined ? formatCents(monthlyCents) : <span className="muted">—</span>}
      </output>
      <Button size="sm" variant="ghost" onClick={onRemove} disabled={!canRemove} aria-label={`Remove line ${n}`} title="Remove line">
        <Icon name="trash" size={15} />
      </Button>
      {messages.length > 0 ? (
        <div className="field-error resource-line-error" id={errorId}>
          <Icon name="alert" size={14} />
          <span>{messages.join('; ')}</span>
        </div>
      ) : plan || line.operating_system ? (
        <LineNote plan={plan} os={catalog.operating_systems.find((o) => o.slug === line.operating_system)} />
      ) : null}
    </div>
  );
}

function LineNote({ plan, os }: { plan: Plan | undefined; os: Schemas['OperatingSystem'] | undefined }) {
  const parts: string[] = [];
  if (plan)
    parts.push(
      `${formatCents(plan.price_cents_per_hour)}/h · ${plan.cpu.cores} cores (${plan.cpu.model}), ${plan.memory_gb} GB RAM, ${plan.storage.summary}, ${plan.nics}${plan.gpu ? `, ${plan.gpu}` : ''}`,
    );
  if (os?.status === 'deprecated') parts.push(`${os.name} is deprecated${os.end_of_life_on ? `; end of life ${os.end_of_life_on}` : ''}`);
  if (parts.length === 0) return null;
  return <div className="field-hint resource-line-note">{parts.join(' · ')}</div>;
}

/**
 * The request form, for a new request and for editing one the applicant may still change. The
 * estimate beside it is the server's, asked for again while lines change.
 */
export function RequestForm({
  initial,
  catalog,
  programs,
  projects,
  action,
  isNew,
  onSave,
  cancelTo,
}: {
  initial: RequestFormValues;
  catalog: Catalog;
  programs: Schemas['Program'][];
  /** Projects to choose from when the form was not opened from a project; null when the project is fixed. */
  projects: { slug: string; name: string }[] | null;
  action: Action<RequestFormSave, unknown>;
  isNew: boolean;
  onSave: (save: RequestFormSave) => void;
  cancelTo: string;
}) {
  const { client } = useSession();
  const [values, setValues] = useState<RequestFormValues>(initial);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const formRef = useRef<HTMLFormElement>(null);
  const estimate = useEstimate(client, values.lines);
  const set = <K extends keyof RequestFormValues>(key: K, value: RequestFormValues[K]) => {
    setValues((current) => ({ ...current, [key]: value }));
    setLocalErrors(({ [key]: _dropped, ...rest }) => rest);
  };
  const setLine = (index: number, line: LineDraft) => {
    setValues((current) => ({ ...current, lines: current.lines.map((l, i) => (i === index ? line : l)) }));
    setLocalErrors((current) => Object.fromEntries(Object.entries(current).filter(([key]) => !key.startsWith(`resources[${index}]`))));
  };
  const error = (field: string) => localErrors[field] ?? action.fieldError(field);
  const lineProblem = (index: number) => {
    const pick = (key: string) =>
      localErrors[`resources[${index}].${key}`] ??
      action.fieldError(`resources[${index}].${key}`) ??
      action.fieldError(`resources.${index}.${key}`);
    return {
      plan: pick('plan'),
      quantity: pick('quantity'),
      metro: pick('metro'),
      operating_system: pick('operating_system'),
      line: estimate.lineErrors.get(index),
    };
  };

  // After a rejected save, take keyboard and screen-reader users to the first field to fix.
  useEffect(() => {
    if (action.error || Object.keys(localErrors).length > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [action.error, localErrors]);

  const save = (isSubmit: boolean) => {
    // The server checks everything again; these are the mistakes worth catching before a round trip.
    const found: Record<string, string> = {};
    values.lines.forEach((line, index) => {
      if (!line.plan) found[`resources[${index}].plan`] = 'choose a plan';
      const quantity = Number(line.quantity);
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > 1000)
        found[`resources[${index}].quantity`] = 'quantity is a whole number from 1 to 1000';
      if (!line.metro) found[`resources[${index}].metro`] = 'choose a metro';
      if (!line.operating_system) found[`resources[${index}].operating_system`] = 'choose an operating system';
    });
    if (!values.purpose) found.purpose = 'Choose what the servers are for.';
    if (isSubmit && !values.acknowledges_sponsor) found.acknowledges_sponsor = 'Agree to acknowledge the sponsor to submit the request.';
    setLocalErrors(found);
    if (Object.keys(found).length > 0) return;
    onSave({ values, isSubmit });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save(true);
  };
  const program = programs.find((p) => p.id === values.program || p.slug === values.program);
  const currency = program?.currency ?? estimate.currency;

  return (
    <form ref={formRef} className="request-layout" onSubmit={submit} noValidate aria-label={isNew ? 'New request' : 'Edit request'}>
      <div className="form">
        <ErrorBanner error={action.bannerError} title={isNew ? 'The request was not saved' : 'The changes were not saved'} />
        <Card title="Program and purpose">
          <div className="form">
            <div className="form-row">
              {projects ? (
                <SelectField
                  label="Project"
                  value={values.project}
                  onChange={(event) => set('project', event.target.value)}
                  error={error('project')}
                >
                  <option value="">Choose a project you own…</option>
                  {projects.map((project) => (
                    <option key={project.slug} value={project.slug}>
                      {project.name}
                    </option>
                  ))}
                </SelectField>
              ) : null}
              <SelectField
                label="Program"
                value={values.program}
                disabled={!isNew}
                onChange={(event) => set('program', event.target.value)}
                error={error('program')}
                hint={program?.description ? program.description.split('\n')[0] : undefined}
              >
                {programs.map((p) => (
                  <option key={p.id} value={p.slug}>
                    {p.name}
                  </option>
                ))}
              </SelectField>
            </div>
            <fieldset className="fieldset" aria-describedby={error('purpose') ? 'purpose-error' : undefined}>
              <legend>What are the servers for?</legend>
              <div className="choice-grid">
                {PURPOSES.map((purpose) => (
                  <label key={purpose.value} className={values.purpose === purpose.value ? 'choice choice-selected' : 'choice'}>
                    <input
                      type="radio"
                      name="purpose"
                      value={purpose.value}
                      checked={values.purpose === purpose.value}
                      onChange={() => set('purpose', purpose.value)}
                    />
                    <span>
                      <span className="check-label">{purpose.label}</span>
                      <span className="field-hint">{purpose.hint}</span>
                    </span>
                  </label>
                ))}
              </div>
              {error('purpose') ? (
                <div className="field-error" id="purpose-error">
                  <Icon name="alert" size={14} />
                  <span>{error('purpose')}</span>
                </div>
              ) : null}
            </fieldset>
            <TextField
              label="Summary"
              isOptional
              value={values.title}
              maxLength={200}
              placeholder="e.g. Nightly energy benchmarks on bare metal"
              onChange={(event) => set('title', event.target.value)}
              error={error('title')}
              hint="One line reviewers see in the queue. Left empty, it becomes the project and purpose."
            />
            <Field label="What you will do" error={error('description')} hint="Markdown. Workloads, who runs them, why bare metal.">
              {(control) => (
                <MarkdownEditor
                  label="What you will do, editor"
                  placeholder="What will run on the servers, how often, and what the project gains from it."
                  value={values.description}
                  onChange={(value) => set('description', value)}
                  error={error('description')}
                  control={control}
                />
              )}
            </Field>
          </div>
        </Card>

        <Card
          title="Resources"
          description="Each line is a plan × quantity in one metro with one operating system. Operating systems are filtered by the plan’s architecture."
          actions={
            <Button
              size="sm"
              onClick={() => set('lines', [...values.lines, newLine({ metro: values.lines.at(-1)?.metro ?? '' })])}
              disabled={values.lines.length >= 50}
            >
              <Icon name="plus" size={14} />
              Add line
            </Button>
          }
        >
          <div className="resource-lines">
            <div className="resource-line resource-line-head" aria-hidden="true">
              <span>Plan</span>
              <span>Qty</span>
              <span>Metro</span>
              <span>Operating system</span>
              <span className="line-cost">Per month</span>
              <span />
            </div>
            {values.lines.map((line, index) => (
              <ResourceLineRow
                key={line.key}
                line={line}
                index={index}
                catalog={catalog}
                monthlyCents={estimate.lineCents[index]}
                problem={lineProblem(index)}
                canRemove={values.lines.length > 1}
                onChange={(next) => setLine(index, next)}
                onRemove={() => {
                  setValues((current) => ({ ...current, lines: current.lines.filter((_, i) => i !== index) }));
                  setLocalErrors({});
                }}
              />
            ))}
          </div>
          {error('resources') ? <div className="field-error">{error('resources')}</div> : null}
        </Card>

        <Card title="Time frame">
          <div className="form">
            <fieldset className="fieldset">
              <legend>Duration</legend>
              <div className="choice-grid choice-grid-2">
                <label className={values.duration === 'fixed' ? 'choice choice-selected' : 'choice'}>
                  <input type="radio" name="duration" checked={values.duration === 'fixed'} onChange={() => set('duration', 'fixed')} />
                  <span>
                    <span className="check-label">Until an end date</span>
                    <span className="field-hint">A project with a known end: a benchmark series, a workshop.</span>
                  </span>
                </label>
                <label className={values.duration === 'ongoing' ? 'choice choice-selected' : 'choice'}>
                  <input type="radio" name="duration" checked={values.duration === 'ongoing'} onChange={() => set('duration', 'ongoing')} />
                  <span>
                    <span className="check-label">Ongoing</span>
                    <span className="field-hint">Infrastructure the project keeps running, looked at again on a review date.</span>
                  </span>
                </label>
              </div>
            </fieldset>
            <div className="form-row">
              <TextField
                label="Wished start"
                type="date"
                isOptional
                min={isoDay()}
                value={values.start_on}
                onChange={(event) => set('start_on', event.target.value)}
                error={error('start_on')}
                hint="Left empty: as soon as it is approved."
              />
              {values.duration === 'fixed' ? (
                <TextField
                  label="End date"
                  type="date"
                  min={values.start_on || isoDay()}
                  value={values.end_on}
                  onChange={(event) => set('end_on', event.target.value)}
                  error={error('end_on')}
                  hint="The last day you need the servers."
                />
              ) : (
                <TextField
                  label="Review date"
                  type="date"
                  min={isoDay()}
                  value={values.review_on}
                  onChange={(event) => set('review_on', event.target.value)}
                  error={error('review_on')}
                  hint="When the program looks at the grant again."
                />
              )}
            </div>
          </div>
        </Card>

        <Card title="Results and acknowledgement">
          <div className="form">
            <TextAreaField
              label="Results you will publish"
              isOptional
              rows={3}
              value={values.publish_results}
              onChange={(event) => set('publish_results', event.target.value)}
              error={error('publish_results')}
              placeholder="Benchmark dashboards, a blog post, release artifacts built on the servers…"
            />
            <div>
              <Checkbox
                label="We will acknowledge the sponsor"
                hint="In the project’s README or website, as the program’s terms describe."
                checked={values.acknowledges_sponsor}
                aria-invalid={error('acknowledges_sponsor') ? true : undefined}
                aria-describedby={error('acknowledges_sponsor') ? 'ack-error' : undefined}
                onChange={(event) => set('acknowledges_sponsor', event.target.checked)}
              />
              {error('acknowledges_sponsor') ? (
                <div className="field-error" id="ack-error">
                  <Icon name="alert" size={14} />
                  <span>{error('acknowledges_sponsor')}</span>
                </div>
              ) : null}
            </div>
          </div>
        </Card>

        <div className="btn-row">
          <Button type="submit" variant="primary" isLoading={action.isRunning}>
            Submit request
          </Button>
          <Button onClick={() => save(false)} disabled={action.isRunning}>
            {isNew ? 'Save as draft' : 'Save changes'}
          </Button>
          <ButtonLink to={cancelTo} variant="ghost">
            Cancel
          </ButtonLink>
        </div>
      </div>

      <aside className="estimate-panel" aria-label="Monthly cost estimate">
        <Card title="Estimate">
          <div className="estimate-total">
            <output aria-live="polite" data-testid="estimate-total">
              {formatCents(estimate.totalCents, currency)}
            </output>
            <span className="muted">per month</span>
            {estimate.isUpdating ? <Spinner label="Updating the estimate" /> : null}
          </div>
          <ul className="estimate-lines">
            {values.lines.map((line, index) => (
              <li key={line.key}>
                <span>
                  {completeLine(line) ? (
                    <>
                      {line.quantity} × <span className="mono">{line.plan}</span> <span className="muted">in {line.metro}</span>
                    </>
                  ) : (
                    <span className="muted">Line {index + 1}: incomplete</span>
                  )}
                </span>
                <span className="mono">
                  {estimate.lineCents[index] !== undefined ? formatCents(estimate.lineCents[index] ?? 0, currency) : '—'}
                </span>
              </li>
            ))}
          </ul>
          <p className="small muted" style={{ margin: '12px 0 0' }}>
            Catalog price × 730 hours × quantity. The grant’s monthly credit is set when it is approved.
          </p>
          {estimate.error ? <ErrorBanner error={estimate.error} title="The estimate could not be updated" /> : null}
        </Card>
      </aside>
    </form>
  );
}
