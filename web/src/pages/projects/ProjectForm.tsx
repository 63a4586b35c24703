import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Checkbox, Field, Switch, TextField } from '../../components/Field.tsx';
import { MarkdownEditor } from '../../components/MarkdownEditor.tsx';
import type { Action } from '../../hooks/use-action.ts';
import { slugify } from './slug.ts';

export const PUBLIC_FIELDS = [
  { value: 'description', label: 'Description' },
  { value: 'repository', label: 'Repository' },
  { value: 'license', label: 'Licence' },
  { value: 'website', label: 'Website' },
  { value: 'foundation', label: 'Foundation' },
  { value: 'members', label: 'Members' },
] as const;
export type PublicField = (typeof PUBLIC_FIELDS)[number]['value'];

export type ProjectFormValues = {
  name: string;
  slug: string;
  repository_url: string;
  license: string;
  description: string;
  website: string;
  foundation: string;
  is_public: boolean;
  public_fields: PublicField[];
};

export const PROJECT_FORM_FIELDS = [
  'name',
  'slug',
  'repository_url',
  'license',
  'description',
  'website',
  'foundation',
  'is_public',
  'public_fields',
] as const;

export const EMPTY_PROJECT: ProjectFormValues = {
  name: '',
  slug: '',
  repository_url: '',
  license: '',
  description: '',
  website: '',
  foundation: '',
  is_public: false,
  public_fields: ['description', 'repository', 'license', 'website'],
};

const COMMON_LICENCES = [
  'Apache-2.0',
  'MIT',
  'BSD-3-Clause',
  'BSD-2-Clause',
  'MPL-2.0',
  'GPL-2.0-only',
  'GPL-3.0-or-later',
  'LGPL-2.1-or-later',
  'AGPL-3.0-only',
  'ISC',
  'EPL-2.0',
  'MIT OR Apache-2.0',
];
const FOUNDATIONS = [
  'CNCF',
  'Linux Foundation',
  'Apache Software Foundation',
  'OpenJS Foundation',
  'Eclipse Foundation',
  'Python Software Foundation',
  'Software Freedom Conservancy',
  'OpenSSF',
];

/**
 * The project form, for registering and for settings. Server field errors show next to their field;
 * the slug follows the name until someone edits it.
 */
export function ProjectForm({
  initial,
  isNew,
  action,
  submitLabel,
  onSubmit,
  secondary,
}: {
  initial: ProjectFormValues;
  isNew: boolean;
  action: Action<ProjectFormValues, unknown>;
  submitLabel: string;
  onSubmit: (values: ProjectFormValues) => void;
  secondary?: ReactNode;
}) {
  const [values, setValues] = useState<ProjectFormValues>(initial);
  const [isSlugEdited, setIsSlugEdited] = useState(!isNew);
  const set = <K extends keyof ProjectFormValues>(key: K, value: ProjectFormValues[K]) =>
    setValues((current) => ({ ...current, [key]: value }));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onSubmit(values);
  };
  const togglePublicField = (field: PublicField, isOn: boolean) =>
    set('public_fields', isOn ? [...values.public_fields, field] : values.public_fields.filter((f) => f !== field));
  const licencesId = useId();
  const foundationsId = useId();
  const formRef = useRef<HTMLFormElement>(null);

  // After a rejected submit, take keyboard and screen-reader users to the first field to fix.
  useEffect(() => {
    if (action.error) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [action.error]);

  return (
    <form ref={formRef} className="form" onSubmit={submit} noValidate aria-label={isNew ? 'New project' : 'Project settings'}>
      <ErrorBanner error={action.bannerError} title={isNew ? 'The project was not created' : 'The changes were not saved'} />
      <div className="form-row">
        <TextField
          label="Project name"
          name="name"
          required
          value={values.name}
          onChange={(event) => {
            const name = event.target.value;
            setValues((current) => ({ ...current, name, slug: isSlugEdited ? current.slug : slugify(name) }));
          }}
          error={action.fieldError('name')}
          autoFocus={isNew}
        />
        {isNew ? (
          <Field
            label="Slug"
            error={action.fieldError('slug')}
            hint="Lowercase letters, digits and dashes; used in URLs. It cannot change later."
          >
            {(control) => (
              <div className="input-group">
                <span className="addon">/p/</span>
                <input
                  className="input"
                  name="slug"
                  {...control}
                  value={values.slug}
                  onChange={(event) => {
                    setIsSlugEdited(true);
                    set('slug', event.target.value);
                  }}
                />
              </div>
            )}
          </Field>
        ) : (
          <TextField label="Slug" name="slug" value={values.slug} readOnly hint="The slug is part of links and cannot change." />
        )}
      </div>
      <TextField
        label="Repository"
        name="repository_url"
        required
        placeholder="https://github.com/owner/repo"
        value={values.repository_url}
        onChange={(event) => set('repository_url', event.target.value)}
        error={action.fieldError('repository_url')}
        hint="Any common form works (https, git@host:owner/repo.git, a link into the tree); Surplus stores https://host/owner/repo."
      />
      <div className="form-row">
        <TextField
          label="Licence (SPDX expression)"
          name="license"
          required
          list={licencesId}
          placeholder="Apache-2.0"
          value={values.license}
          onChange={(event) => set('license', event.target.value)}
          error={action.fieldError('license')}
          hint={
            <>
              An{' '}
              <a href="https://spdx.org/licenses/" target="_blank" rel="noreferrer">
                SPDX
              </a>{' '}
              identifier or expression, such as <code>MIT OR Apache-2.0</code>.
            </>
          }
        />
        <TextField
          label="Foundation or affiliation"
          name="foundation"
          isOptional
          list={foundationsId}
          value={values.foundation}
          onChange={(event) => set('foundation', event.target.value)}
          error={action.fieldError('foundation')}
        />
      </div>
      <datalist id={licencesId}>
        {COMMON_LICENCES.map((licence) => (
          <option key={licence} value={licence} />
        ))}
      </datalist>
      <datalist id={foundationsId}>
        {FOUNDATIONS.map((foundation) => (
          <option key={foundation} value={foundation} />
        ))}
      </datalist>
      <TextField
        label="Website"
        name="website"
        type="url"
        isOptional
        placeholder="https://example.org"
        value={values.website}
        onChange={(event) => set('website', event.target.value)}
        error={action.fieldError('website')}
      />
      <Field
        label="Description"
        isOptional
        error={action.fieldError('description')}
        hint="Markdown. Rendered safely: no images or scripts."
      >
        {(control) => (
          <MarkdownEditor
            label="Description editor"
            placeholder="What the project does, who uses it, and what it would do with servers. Markdown works."
            value={values.description}
            onChange={(value) => set('description', value)}
            error={action.fieldError('description')}
            control={control}
          />
        )}
      </Field>
      <fieldset className="fieldset">
        <legend>Public page</legend>
        <Switch
          label="Give the project a public page"
          hint={`Anyone can see it at /p/${values.slug || 'your-slug'} and in the public directory, without signing in.`}
          checked={values.is_public}
          onChange={(event) => set('is_public', event.target.checked)}
        />
        <fieldset className="fieldset" disabled={!values.is_public}>
          <legend>Shown on the public page besides the name</legend>
          <div className="check-grid">
            {PUBLIC_FIELDS.map((field) => (
              <Checkbox
                key={field.value}
                label={field.label}
                checked={values.public_fields.includes(field.value)}
                onChange={(event) => togglePublicField(field.value, event.target.checked)}
              />
            ))}
          </div>
          {action.fieldError('public_fields') ? <div className="field-error">{action.fieldError('public_fields')}</div> : null}
        </fieldset>
      </fieldset>
      <div className="btn-row">
        <Button type="submit" variant="primary" isLoading={action.isRunning}>
          {submitLabel}
        </Button>
        {secondary}
      </div>
    </form>
  );
}

/** The API body for a create or update: empty optional fields are sent as null (cleared). */
export function toProjectBody(values: ProjectFormValues) {
  return {
    name: values.name,
    repository_url: values.repository_url,
    license: values.license,
    description: values.description,
    website: values.website.trim() ? values.website.trim() : null,
    foundation: values.foundation.trim() ? values.foundation.trim() : null,
    is_public: values.is_public,
    public_fields: values.public_fields,
  };
}
