import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCsv, readMachineCsv, rowToEnrollInput } from './inventory.csv.ts';
import { MachineEnrollBody, normalizeMac } from './inventory.schemas.ts';

describe('parseCsv', () => {
  it('reads RFC 4180: quotes, doubled quotes, commas and line breaks inside quotes, CRLF', () => {
    const parsed = parseCsv('a,b,c\r\n1,"two, too","say ""hi"""\r\n"multi\nline",,x\n');
    assert.ok('records' in parsed);
    assert.deepEqual(parsed.records, [
      { line: 1, cells: ['a', 'b', 'c'] },
      { line: 2, cells: ['1', 'two, too', 'say "hi"'] },
      { line: 3, cells: ['multi\nline', '', 'x'] },
    ]);
  });

  it('numbers records by the line they start on and skips blank lines', () => {
    const parsed = parseCsv('\uFEFFh\n\n"a\nb"\n\nc');
    assert.ok('records' in parsed);
    assert.deepEqual(
      parsed.records.map((record) => [record.line, record.cells[0]]),
      [
        [1, 'h'],
        [3, 'a\nb'],
        [6, 'c'],
      ],
    );
  });

  it('names the line of an unclosed quote and of a stray quote', () => {
    assert.deepEqual(parseCsv('a\n"open,\nmore\n'), {
      problem: { line: 2, column: null, message: 'a quoted field opened on line 2 is never closed' },
    });
    const stray = parseCsv('a\nab"c\n');
    assert.ok('problem' in stray && stray.problem.line === 2 && /quote inside an unquoted field/.test(stray.problem.message));
    const after = parseCsv('a\n"x"y\n');
    assert.ok('problem' in after && /after a closing quote/.test(after.problem.message));
  });
});

describe('readMachineCsv', () => {
  it('maps cells to the header’s columns in any order', () => {
    const { rows, problems } = readMachineCsv('plan,hostname,metro,bmc_provider\nm3.small,node1,ams,manual\n');
    assert.deepEqual(problems, []);
    assert.deepEqual(rows, [{ line: 2, values: { plan: 'm3.small', hostname: 'node1', metro: 'ams', bmc_provider: 'manual' } }]);
  });

  it('refuses unknown, repeated and missing columns, and lines with the wrong number of fields', () => {
    const header = readMachineCsv('hostname,colour,hostname\nx,y,z\n');
    assert.deepEqual(
      header.problems.map((problem) => problem.message),
      [
        'unknown column "colour"; the columns are hostname, serial, plan, metro, location, macs, bmc_provider, bmc_url, bmc_username, bmc_password, bmc_insecure, bmc_ca_pem, bmc_system_path',
        'column hostname appears twice',
        'the header lacks the required column(s) plan, metro, bmc_provider',
      ],
    );
    const fields = readMachineCsv('hostname,plan,metro,bmc_provider\na,b,c\n');
    assert.deepEqual(fields.problems, [{ line: 2, column: null, message: 'has 3 fields; the header has 4' }]);
    assert.equal(readMachineCsv('').problems[0]?.line, 1);
  });
});

describe('rowToEnrollInput', () => {
  it('splits MACs, reads booleans and leaves empty cells out', () => {
    const { input, problems } = rowToEnrollInput({
      hostname: ' node1 ',
      serial: '',
      macs: 'AA:BB:CC:00:11:22; aabb.cc00.1123  aa-bb-cc-00-11-24',
      bmc_insecure: 'yes',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(input, { hostname: 'node1', macs: ['AA:BB:CC:00:11:22', 'aabb.cc00.1123', 'aa-bb-cc-00-11-24'], bmc_insecure: true });
    assert.deepEqual(rowToEnrollInput({ bmc_insecure: 'maybe' }).problems, [
      { column: 'bmc_insecure', message: '"maybe" is not true or false' },
    ]);
  });
});

describe('MAC addresses', () => {
  it('normalizes the usual notations to lower-case colon form', () => {
    for (const form of ['AA:BB:CC:00:11:22', 'aa-bb-cc-00-11-22', 'aabb.cc00.1122', 'AABBCC001122', ' aa:bb:cc:00:11:22 ']) {
      assert.deepEqual(normalizeMac(form), { mac: 'aa:bb:cc:00:11:22' }, form);
    }
  });

  it('refuses what is not one NIC’s address, saying why', () => {
    assert.match((normalizeMac('aa:bb:cc:00:11') as { error: string }).error, /is not a MAC address/);
    assert.match((normalizeMac('gg:bb:cc:00:11:22') as { error: string }).error, /is not a MAC address/);
    assert.match((normalizeMac('01:00:5e:00:00:01') as { error: string }).error, /multicast/);
    assert.match((normalizeMac('ff:ff:ff:ff:ff:ff') as { error: string }).error, /not a usable/);
    assert.match((normalizeMac('00:00:00:00:00:00') as { error: string }).error, /not a usable/);
  });
});

describe('MachineEnrollBody', () => {
  const base = {
    hostname: 'Rack1-Node07',
    plan: 'm3.small',
    metro: 'ams',
    bmc_provider: 'redfish',
    bmc_url: 'https://10.0.0.5',
    bmc_username: 'root',
    bmc_password: 'calvin',
  };

  it('normalizes the hostname and MACs', () => {
    const body = MachineEnrollBody.parse({ ...base, macs: ['AA-BB-CC-00-11-22'] });
    assert.equal(body.hostname, 'rack1-node07');
    assert.deepEqual(body.macs, ['aa:bb:cc:00:11:22']);
  });

  it('names every bad field', () => {
    const result = MachineEnrollBody.safeParse({
      ...base,
      hostname: 'node.example.com',
      bmc_url: 'ftp://10.0.0.5',
      bmc_password: undefined,
      bmc_insecure: true,
      bmc_ca_pem: 'nope',
      macs: ['aa:bb:cc:00:11:22', 'AA:BB:CC:00:11:22', 'zz'],
    });
    assert.ok(!result.success);
    const fields = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    assert.deepEqual(fields.sort(), [
      'bmc_ca_pem: must be a PEM certificate (-----BEGIN CERTIFICATE-----)',
      'bmc_insecure: cannot be combined with bmc_ca_pem: give the CA, or skip verification',
      'bmc_password: is required for the redfish provider',
      'bmc_url: must be an http(s) URL, not ftp:',
      'hostname: must be one RFC 1123 label without a domain (e.g. rack3-node07)',
      'macs.1: aa:bb:cc:00:11:22 repeats macs[0]',
      'macs.2: "zz" is not a MAC address (write it as aa:bb:cc:dd:ee:ff)',
    ]);
  });

  it('refuses credentials inside the BMC URL', () => {
    const result = MachineEnrollBody.safeParse({ ...base, bmc_url: 'https://root:calvin@10.0.0.5' });
    assert.ok(!result.success);
    assert.match(result.error.issues[0]?.message ?? '', /must not contain credentials/);
  });
});
