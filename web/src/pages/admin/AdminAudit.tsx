import { ApiError, unwrap } from '@surplus/api-client';
import { type FormEvent, useId, useState } from 'react';
import { useSearchParams } from 'react-router';
import { AuditTable } from '../../components/AuditTable.tsx';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { SelectField, TextField } from '../../components/Field.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { useSession } from '../../session.tsx';

const FILTERS = ['action', 'actor', 'target_type', 'from', 'to'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

const ACTION_PREFIXES = ['project.', 'member.', 'invitation.', 'ssh_key.', 'token.', 'user.', 'settings.'];
const TARGET_TYPES = ['project', 'user', 'invitation', 'ssh_key', 'api_token', 'settings'];

function filtersOf(params: URLSearchParams): Filters {
  return Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? ''])) as Filters;
}

function fieldProblem(field: string, message: string) {
  return new ApiError(400, { error: { code: 'ERR_VALIDATION', message: `${field}: ${message}`, fields: [{ field, message }] } }, null);
}

/**
 * The whole audit log with filters kept in the URL, so a filtered view can be shared. The actor
 * filter takes an email (looked up among users) or a user id.
 */
export function AdminAudit() {
  const { client } = useSession();
  const [params, setParams] = useSearchParams();
  const applied = filtersOf(params);
  const [draft, setDraft] = useState<Filters>(applied);
  const actionsId = useId();

  const list = usePagedList(`audit:${params.toString()}`, async (cursor) => {
    let actor: string | undefined = applied.actor.trim() || undefined;
    if (actor?.includes('@')) {
      const email = actor.toLowerCase();
      const users = await unwrap(client.GET('/api/v1/users', { params: { query: { q: email, limit: 20 } } }));
      actor = users.items.find((user) => user.email.toLowerCase() === email)?.id;
      if (!actor) throw fieldProblem('actor', 'no user has this email');
    }
    return unwrap(
      client.GET('/api/v1/audit', {
        params: {
          query: {
            cursor,
            limit: 50,
            actor,
            action: applied.action.trim() || undefined,
            target_type: applied.target_type || undefined,
            // Dates are whole UTC days: "to" includes the day it names.
            from: applied.from ? `${applied.from}T00:00:00.000Z` : undefined,
            to: applied.to ? `${applied.to}T23:59:59.999Z` : undefined,
          },
        },
      }),
    );
  });

  const fieldError = (name: string) =>
    list.error instanceof ApiError ? list.error.fields.find((field) => field.field === name)?.message : undefined;
  const apply = (filters: Filters) => {
    const next = new URLSearchParams();
    for (const name of FILTERS) if (filters[name].trim()) next.set(name, filters[name].trim());
    setParams(next);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply(draft);
  };
  const set = (name: keyof Filters, value: string) => setDraft((current) => ({ ...current, [name]: value }));
  const isFiltered = FILTERS.some((name) => applied[name]);

  return (
    <>
      <PageHeader title="Audit log" description="Every change made on this Surplus, who made it and in which request. Times are UTC." />
      <Card>
        <form className="filters" onSubmit={submit} aria-label="Audit filters" style={{ margin: 0 }}>
          <TextField
            label="Action"
            name="action"
            list={actionsId}
            placeholder="e.g. project."
            value={draft.action}
            onChange={(event) => set('action', event.target.value)}
            error={fieldError('action')}
          />
          <datalist id={actionsId}>
            {ACTION_PREFIXES.map((prefix) => (
              <option key={prefix} value={prefix} />
            ))}
          </datalist>
          <TextField
            label="Actor"
            name="actor"
            placeholder="email or user id"
            value={draft.actor}
            onChange={(event) => set('actor', event.target.value)}
            error={fieldError('actor')}
          />
          <SelectField
            label="Target type"
            name="target_type"
            value={draft.target_type}
            onChange={(event) => set('target_type', event.target.value)}
            error={fieldError('target_type')}
          >
            <option value="">Any</option>
            {TARGET_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </SelectField>
          <TextField
            label="From"
            name="from"
            type="date"
            value={draft.from}
            onChange={(event) => set('from', event.target.value)}
            error={fieldError('from')}
          />
          <TextField
            label="To"
            name="to"
            type="date"
            value={draft.to}
            onChange={(event) => set('to', event.target.value)}
            error={fieldError('to')}
          />
          <div className="btn-row">
            <Button type="submit" variant="primary">
              Apply filters
            </Button>
            {isFiltered ? (
              <Button
                onClick={() => {
                  const cleared = filtersOf(new URLSearchParams());
                  setDraft(cleared);
                  apply(cleared);
                }}
              >
                Clear
              </Button>
            ) : null}
          </div>
        </form>
      </Card>
      <Card isFlush>
        <AuditTable
          list={list}
          isProjectShown
          onActorClick={(event) => {
            const filters = { ...applied, actor: event.actor.label };
            setDraft(filters);
            apply(filters);
          }}
          empty={
            <EmptyState icon="log" title={isFiltered ? 'No events match these filters' : 'No events yet'}>
              {isFiltered ? 'Widen the date range or clear a filter.' : null}
            </EmptyState>
          }
        />
      </Card>
    </>
  );
}
