import { ApiError, type Schemas, unwrap } from '@surplus/api-client';
import { type ChangeEvent, useState } from 'react';
import { Link } from 'react-router';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { TextAreaField } from '../../components/Field.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useSession } from '../../session.tsx';
import { MachineStateBadge } from './machine-states.tsx';

type Result = Schemas['MachineImportResult'];
type Problem = { key: string; line: number | null; column: string | null; message: string };

const EXAMPLE = `hostname,plan,metro,bmc_provider,bmc_url,bmc_username,bmc_password,macs,location
rack3-node07,m3.small.x86,am,redfish,https://10.0.3.7,root,secret,aa:bb:cc:00:03:07,AMS1 rack 3 U7
rack3-node08,m3.small.x86,am,manual,,,,aa:bb:cc:00:03:08,AMS1 rack 3 U8`;

/** The API names a problem's place as "line 7: bmc_url" (or "line 7"); the table shows line and column apart. */
export function csvProblems(error: unknown): Problem[] {
  if (!(error instanceof ApiError)) return [];
  return error.fields.map((field, index) => {
    const match = /^line (\d+)(?::\s*(.+))?$/.exec(field.field);
    return {
      key: `${index}`,
      line: match ? Number(match[1]) : null,
      column: match ? (match[2] ?? null) : field.field,
      message: field.message,
    };
  });
}

const problemColumns: Column<Problem>[] = [
  { header: 'Line', cell: (problem) => (problem.line === null ? '—' : problem.line), className: 'num' },
  {
    header: 'Column',
    cell: (problem) => (problem.column ? <span className="mono">{problem.column}</span> : <span className="muted">—</span>),
  },
  { header: 'Problem', cell: (problem) => problem.message },
];

/** Many machines at once: paste or pick a CSV, check it (dry run), then import it whole or not at all. */
export function MachineImport() {
  const { client } = useSession();
  const toast = useToast();
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [result, setResult] = useState<Result | null>(null);

  const send = useAction(async (isDryRun: boolean) => {
    setResult(null);
    const answer = await unwrap(
      client.POST('/api/v1/machines/import', {
        params: { query: { dry_run: isDryRun ? 'true' : 'false' } },
        body: text,
        bodySerializer: (body: string) => body,
        headers: { 'content-type': 'text/csv' },
      }),
    );
    setResult(answer);
    if (!answer.dry_run) toast.success(`Imported ${answer.count} machine${answer.count === 1 ? '' : 's'}.`);
    return answer;
  });

  const pick = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    setText(await file.text());
    setFileName(file.name);
    setResult(null);
    send.reset();
  };

  const problems = csvProblems(send.error);
  const isLineError = problems.length > 0;
  const machineColumns: Column<Result['machines'][number]>[] = [
    { header: 'Line', cell: (machine) => machine.line, className: 'num' },
    {
      header: 'Hostname',
      cell: (machine) => (machine.id ? <Link to={`/inventory/machines/${machine.id}`}>{machine.hostname}</Link> : machine.hostname),
    },
    {
      header: 'State',
      cell: (machine) =>
        machine.state ? <MachineStateBadge state={machine.state} isCurrent /> : <span className="muted">not imported yet</span>,
    },
  ];

  return (
    <div className="main-narrow">
      <PageHeader
        title="Import machines"
        description="One machine per line. Every line is checked first; one bad line imports nothing, so a fixed file can be sent again as a whole."
        breadcrumbs={[{ label: 'Inventory', to: '/inventory' }]}
      />
      <div className="stack-lg">
        <Card
          title="CSV"
          description={
            <>
              A header line names the columns: <span className="mono">hostname, plan, metro, bmc_provider</span> are required;{' '}
              <span className="mono">
                serial, location, macs, bmc_url, bmc_username, bmc_password, bmc_insecure, bmc_ca_pem, bmc_system_path
              </span>{' '}
              are optional.
            </>
          }
          actions={
            <Button size="sm" onClick={() => setText(EXAMPLE)}>
              Insert an example
            </Button>
          }
        >
          <div className="form">
            <div className="field">
              <label className="field-label" htmlFor="csv-file">
                File
              </label>
              <input id="csv-file" type="file" accept=".csv,text/csv,text/plain" onChange={(event) => void pick(event)} />
              {fileName ? <div className="field-hint">Read {fileName}; you can edit it below.</div> : null}
            </div>
            <TextAreaField
              label="Or paste it here"
              className="csv-input"
              rows={10}
              spellCheck={false}
              placeholder={EXAMPLE}
              value={text}
              onChange={(event) => {
                setText(event.target.value);
                setResult(null);
              }}
            />
            <div className="btn-row">
              <Button onClick={() => void send.run(true)} isLoading={send.isRunning} disabled={!text.trim()}>
                Check (dry run)
              </Button>
              <Button variant="primary" onClick={() => void send.run(false)} isLoading={send.isRunning} disabled={!text.trim()}>
                Import
              </Button>
              <ButtonLink to="/inventory" variant="ghost">
                Back to the inventory
              </ButtonLink>
            </div>
          </div>
        </Card>

        {isLineError ? (
          <Card title="Problems" description={send.error instanceof Error ? send.error.message : undefined} isFlush>
            <DataTable
              label="Problems"
              columns={problemColumns}
              rows={problems}
              rowKey={(problem) => problem.key}
              isLoading={false}
              empty={null}
            />
          </Card>
        ) : (
          <ErrorBanner error={send.error} title="The file was not imported" />
        )}

        {result ? (
          <Card
            title={result.dry_run ? 'Dry run: every line is fine' : 'Imported'}
            description={
              result.dry_run
                ? `${result.count} machine${result.count === 1 ? '' : 's'} would be imported. Nothing was written yet.`
                : `${result.count} machine${result.count === 1 ? '' : 's'} imported. Machines with a BMC are enrolling: their BMCs are being probed.`
            }
            isFlush
          >
            {result.dry_run ? (
              <div className="card-body">
                <Banner tone="success" title="Ready to import">
                  Choose Import to add {result.count === 1 ? 'this machine' : `these ${result.count} machines`}.
                </Banner>
              </div>
            ) : null}
            <DataTable
              label="Machines in the file"
              columns={machineColumns}
              rows={result.machines}
              rowKey={(machine) => `${machine.line}`}
              isLoading={false}
              empty={null}
            />
          </Card>
        ) : null}
      </div>
    </div>
  );
}
