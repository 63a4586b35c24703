import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PG_EPOCH_MS, type TrafficFormat, timeMicros } from './traffic.ts';
import { COPY_BINARY_HEADER, type Resolver, TrafficBatchReader } from './traffic-batch.ts';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const SERVERS = [
  {
    id: '11111111-1111-4111-8111-111111111111',
    project_id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    grant_id: 'ffffffff-ffff-4fff-8fff-ffffffffffff',
  },
  { id: '22222222-2222-4222-8222-222222222222', project_id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', grant_id: null },
  { id: '33333333-3333-4333-8333-333333333333', project_id: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', grant_id: null },
];
const PROJECTS = [
  {
    key: 'mirror',
    id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    slug: 'mirror',
    grants: [{ id: 'ffffffff-ffff-4fff-8fff-ffffffffffff', starts_on: '2026-01-01', ends_on: null }],
  },
];
const resolver: Resolver = {
  servers: async (ids) => SERVERS.filter((server) => ids.includes(server.id)),
  projects: async (keys) =>
    PROJECTS.filter((project) => keys.includes(project.key) || keys.includes(project.id)).map((project) => ({
      ...project,
      key: keys.includes(project.key) ? project.key : project.id,
    })),
};

type Row = [project: string, id: string, server: string | null, grant: string | null, micros: string, bytesIn: string, bytesOut: string];

/** Decodes binary COPY rows of traffic_samples (what PostgreSQL will read). */
function decode(chunks: Buffer[]): Row[] {
  const buf = Buffer.concat(chunks);
  const rows: Row[] = [];
  let at = 0;
  const uuid = (b: Buffer) => {
    const hex = b.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  while (at < buf.length) {
    assert.equal(buf.readInt16BE(at), 7);
    at += 2;
    const fields: (Buffer | null)[] = [];
    for (let f = 0; f < 7; f++) {
      const length = buf.readInt32BE(at);
      at += 4;
      if (length === -1) fields.push(null);
      else {
        fields.push(buf.subarray(at, at + length));
        at += length;
      }
    }
    const [project, id, server, grant, time, bytesIn, bytesOut] = fields as Buffer[];
    rows.push([
      uuid(project as Buffer),
      (id as Buffer).toString('utf8'),
      server ? uuid(server) : null,
      grant ? uuid(grant) : null,
      String((time as Buffer).readBigInt64BE()),
      String((bytesIn as Buffer).readBigInt64BE()),
      String((bytesOut as Buffer).readBigInt64BE()),
    ]);
  }
  return rows;
}

let fastRows = 0;

async function read(format: TrafficFormat, body: string, pieces: number[], isFastOn: boolean, owned: Set<string> | null = null) {
  const reader = new TrafficBatchReader({ format, owned, nowMs: NOW, resolver, isFastOn, pendingLines: 2 });
  const bytes = Buffer.from(body);
  let at = 0;
  // After the given pieces, pieces of about a line each: the careful reader runs between them and
  // the fast one finds the servers it looked up.
  for (const size of [...pieces, ...Array.from({ length: Math.ceil(bytes.length / 120) }, () => 120)]) {
    if (at >= bytes.length) break;
    reader.push(bytes.subarray(at, Math.min(bytes.length, at + Math.max(1, size))));
    at += Math.max(1, size);
    if (reader.isPendingFull) await reader.flush();
    reader.take();
  }
  reader.end();
  if (reader.hasPending) await reader.flush();
  reader.take(0);
  fastRows += reader.fastRows;
  return {
    errors: reader.isBad ? reader.failure().fields : [],
    received: reader.received,
    rows: reader.isBad ? [] : decode(reader.chunks).sort(),
    rollups: reader
      .rollups()
      .map((r) => `${r.projectId}|${r.serverId}|${r.grantId}|${r.day}|${r.bytesIn}|${r.bytesOut}|${r.samples}`)
      .sort(),
  };
}

// Lines near the usual shape, and every way off it the readers must agree on.
const serverArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...SERVERS.map((s) => s.id)) },
  { weight: 1, arbitrary: fc.constantFrom(SERVERS[0]?.id.toUpperCase() as string, '44444444-4444-4444-8444-444444444444', 'edge-1', '') },
);
const timeArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: Date.UTC(2025, 0, 1), max: NOW }).map((ms) => new Date(ms).toISOString()) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '2026-02-28T23:59:59Z',
      '2026-02-30T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T10:00:00+05:30',
      '2026-01-01T10:00:00-14:00',
      '2026-01-01T10:00:00+15:00',
      '2026-01-01 10:00:00z',
      '2026-01-01T10:00:00.1234565Z',
      '2026-01-01T10:00:00.123456789Z',
      '2026-01-01T10:00:00.1234567890Z',
      '2026-01-01T10:00:00',
      '1999-12-31T23:59:59Z',
      '2026-11-25T13:30:00Z',
      '2027-01-01T00:00:00Z',
      'yesterday',
    ),
  },
);
const bytesArb = fc.oneof(
  { weight: 6, arbitrary: fc.nat({ max: 10_000_000_000 }).map(String) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '0',
      '007',
      '-5',
      '1.5',
      '1e3',
      '999999999999999',
      '1000000000000000',
      '9223372036854775807',
      '9223372036854775808',
      '"42"',
      '"-1"',
      '"007"',
      '"12345678901234567"',
      'null',
      '"x"',
    ),
  },
);
const idArb = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9:-]{1,12}$/).map((id) => JSON.stringify(id)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('"id with space"', '"tab\\tid"', '"é-ü"', '""', '42', '"\\u0041"', JSON.stringify('x'.repeat(201)), 'null'),
  },
);
const jsonLineArb = fc
  .record({
    id: idArb,
    server: serverArb,
    time: timeArb,
    bytesIn: bytesArb,
    bytesOut: bytesArb,
    order: fc.boolean(),
    spaces: fc.boolean(),
    extra: fc.constantFrom('', '', '', ', "extra": 1', ', "project": "mirror"', ', "id": "again"'),
    projectOnly: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  })
  .map((f) => {
    const sp = f.spaces ? ' ' : '';
    const head = f.projectOnly ? `"project":${sp}"mirror"` : `"server":${sp}${JSON.stringify(f.server)}`;
    const parts = [
      `"id":${sp}${f.id}`,
      head,
      `"time":${sp}${JSON.stringify(f.time)}`,
      `"bytes_in":${sp}${f.bytesIn}`,
      `"bytes_out":${sp}${f.bytesOut}`,
    ];
    if (f.order) parts.reverse();
    return `{${sp}${parts.join(`,${sp}`)}${f.extra}${sp}}`;
  });
const junkArb = fc.constantFrom('', '   ', '{', 'not json', '[]', '{}', '{"id": "x"}', '\r');

describe('traffic batches: the fast reader and the careful reader agree', () => {
  it('on JSON lines, however the body is cut into pieces', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ weight: 10, arbitrary: jsonLineArb }, { weight: 1, arbitrary: junkArb }), {
          minLength: 1,
          maxLength: 60,
          size: 'large',
        }),
        fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 20 }),
        fc.boolean(),
        async (lines, pieces, isCrlf) => {
          const body = lines.join(isCrlf ? '\r\n' : '\n');
          const fast = await read('ndjson', body, pieces, true);
          const careful = await read('ndjson', body, [], false);
          assert.deepEqual(fast, careful);
        },
      ),
      { numRuns: 300 },
    );
    assert.ok(fastRows > 500, `the fast reader wrote ${fastRows} rows: the comparison must exercise it`);
  });

  it('on CSV', async () => {
    const csvLine = fc
      .record({
        id: fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,10}$/), fc.constantFrom('', '"quoted"', 'a b')),
        server: serverArb,
        time: timeArb,
        bytesIn: fc.oneof(fc.nat().map(String), fc.constantFrom('', '-1', '01', '12345678901234567', 'x')),
        bytesOut: fc.nat().map(String),
        project: fc.constantFrom('', '', '', 'mirror'),
      })
      .map((f) => `${f.id},${f.server},${f.project},${f.time},${f.bytesIn},${f.bytesOut}`);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ weight: 10, arbitrary: csvLine }, { weight: 1, arbitrary: fc.constantFrom('a,b', '', ',,,,,,') }), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 10 }),
        async (lines, pieces) => {
          const body = ['id,server,project,time,bytes_in,bytes_out', ...lines].join('\n');
          assert.deepEqual(await read('csv', body, pieces, true), await read('csv', body, [], false));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('on what an owner may report: only their projects’ servers', async () => {
    const body = SERVERS.map((s, i) =>
      JSON.stringify({ id: `o${i}`, server: s.id, time: '2026-03-01T00:00:00Z', bytes_in: 1, bytes_out: 2 }),
    ).join('\n');
    const owned = new Set(['bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb']);
    const fast = await read('ndjson', body, [], true, owned);
    assert.deepEqual(fast, await read('ndjson', body, [], false, owned));
    assert.deepEqual(
      fast.errors?.map((e) => e.field),
      ['line 1', 'line 2'],
    );
  });
});

describe('binary rows', () => {
  it('hold exactly what was sent', async () => {
    const body = [
      JSON.stringify({
        id: 'a',
        server: SERVERS[0]?.id,
        time: '2026-01-01T10:00:00.1234565Z',
        bytes_in: 1,
        bytes_out: 999_999_999_999_999,
      }),
      JSON.stringify({ id: 'b', server: SERVERS[1]?.id, time: '2026-01-01T10:00:00+05:30', bytes_in: '9223372036854775807', bytes_out: 0 }),
      JSON.stringify({ id: 'c', project: 'mirror', time: '2026-03-01T00:00:00Z', bytes_in: 5, bytes_out: 6 }),
    ].join('\n');
    const { rows, rollups } = await read('ndjson', body, [], true);
    const micros = (iso: string) => String((Date.parse(iso) - PG_EPOCH_MS) * 1000);
    assert.deepEqual(rows, [
      [
        SERVERS[0]?.project_id,
        'a',
        SERVERS[0]?.id,
        SERVERS[0]?.grant_id,
        String(BigInt(micros('2026-01-01T10:00:00.123Z')) + 457n),
        '1',
        '999999999999999',
      ],
      [SERVERS[1]?.project_id, 'b', SERVERS[1]?.id, null, micros('2026-01-01T04:30:00Z'), '9223372036854775807', '0'],
      [PROJECTS[0]?.id, 'c', null, PROJECTS[0]?.grants[0]?.id, micros('2026-03-01T00:00:00Z'), '5', '6'],
    ]);
    assert.ok(rollups.includes(`${SERVERS[1]?.project_id}|${SERVERS[1]?.id}|null|2026-01-01|9223372036854775807|0|1`));
    assert.equal(COPY_BINARY_HEADER.subarray(0, 11).toString('latin1'), 'PGCOPY\n\xff\r\n\0');
  });

  it('read times as the calendar does, in any zone', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 2), max: Date.UTC(2099, 11, 30) }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (ms, offset) => {
          const iso = new Date(ms).toISOString();
          assert.equal(timeMicros(Buffer.from(iso), 0, iso.length), (ms - PG_EPOCH_MS) * 1000);
          const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
          const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
          const text = `${local}${zone}`;
          assert.equal(timeMicros(Buffer.from(text), 0, text.length), (Date.parse(text) - PG_EPOCH_MS) * 1000, text);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('take times PostgreSQL would store, refusing the ones it would not', () => {
    const at = (text: string) => timeMicros(Buffer.from(text), 0, text.length);
    assert.equal(at('2000-01-01T00:00:00Z'), 0);
    assert.equal(at('2000-01-01T00:00:00.0000005Z'), 1);
    assert.equal(at('2000-01-01T01:00:00+01:00'), 0);
    assert.equal(at('2024-02-29T00:00:00Z'), (Date.UTC(2024, 1, 29) - PG_EPOCH_MS) * 1000);
    for (const bad of [
      '2026-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T23:59:60Z',
      '2026-00-10T00:00:00Z',
    ])
      assert.equal(at(bad), Number.POSITIVE_INFINITY, bad);
    for (const bad of ['2026-01-01T00:00:00', '2026-01-01', '2026-01-01T00:00:00.Z', '2026-1-01T00:00:00Z', '2026-01-01T00:00:00+0100'])
      assert.equal(at(bad), Number.NEGATIVE_INFINITY, bad);
  });
});
