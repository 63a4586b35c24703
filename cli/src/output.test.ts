import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '@surplus/api-client';
import {
  CliError,
  coloursFor,
  describeError,
  EXIT,
  formatErrorText,
  formatFields,
  formatTable,
  NetworkError,
  relativeTime,
} from './output.ts';

describe('formatTable', () => {
  const rows = [
    { slug: 'flatcar', members: 12 },
    { slug: 'k', members: 3 },
  ];
  const columns = [
    { header: 'SLUG', value: (row: (typeof rows)[number]) => row.slug },
    { header: 'MEMBERS', value: (row: (typeof rows)[number]) => String(row.members) },
  ];

  it('aligns columns two spaces apart without trailing blanks', () => {
    assert.equal(formatTable(rows, columns), ['SLUG     MEMBERS', 'flatcar  12', 'k        3'].join('\n'));
  });

  it('pads by visible width so colours and accented letters keep the columns straight', () => {
    const colours = coloursFor({ isTTY: true }, {});
    const styled = [
      { ...columns[0], style: (text: string) => colours.bold(text) } as (typeof columns)[number],
      columns[1] as (typeof columns)[number],
    ];
    const lines = formatTable([...rows, { slug: 'größe', members: 1 }], styled, colours)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing ANSI escapes to compare layout
      .replace(/\x1b\[[0-9;]*m/g, '')
      .split('\n');
    assert.deepEqual(lines, ['SLUG     MEMBERS', 'flatcar  12', 'k        3', 'größe    1']);
  });
});

describe('colours', () => {
  it('are used only on a terminal and never with NO_COLOR', () => {
    assert.equal(coloursFor({ isTTY: true }, {}).red('x'), '\x1b[31mx\x1b[39m');
    assert.equal(coloursFor({ isTTY: true }, { NO_COLOR: '1' }).red('x'), 'x');
    assert.equal(coloursFor({ isTTY: false }, {}).red('x'), 'x');
    assert.equal(coloursFor({}, {}).red('x'), 'x');
  });
});

describe('formatFields', () => {
  it('aligns labels and shows a dash for missing values', () => {
    assert.equal(
      formatFields([
        ['Name', 'Flatcar'],
        ['Foundation', null],
      ]),
      'Name:        Flatcar\nFoundation:  -',
    );
  });
});

describe('relativeTime', () => {
  const now = Date.parse('2026-05-10T12:00:00Z');
  it('says how long ago or until, in the largest fitting unit', () => {
    assert.equal(relativeTime('2026-05-10T11:59:30Z', now), 'just now');
    assert.equal(relativeTime('2026-05-10T11:55:00Z', now), '5 minutes ago');
    assert.equal(relativeTime('2026-05-10T09:00:00Z', now), '3 hours ago');
    assert.equal(relativeTime('2026-05-08T12:00:00Z', now), '2 days ago');
    assert.equal(relativeTime('2026-05-20T12:00:00Z', now), 'in 1 week');
    assert.equal(relativeTime('2026-02-09T12:00:00Z', now), '3 months ago');
    assert.equal(relativeTime('2024-05-10T12:00:00Z', now), '2 years ago');
  });

  it('shows never as a dash and passes unparseable text through', () => {
    assert.equal(relativeTime(null, now), '-');
    assert.equal(relativeTime('soon', now), 'soon');
  });
});

describe('describeError', () => {
  it('maps API errors to exit codes: 404 → 4, unauthenticated → 3, others → 1', () => {
    const notFound = new ApiError(404, { error: { code: 'ERR_NOT_FOUND', message: 'Project not found.' } }, 'req-1');
    assert.deepEqual(describeError(notFound), {
      exitCode: EXIT.notFound,
      error: { code: 'ERR_NOT_FOUND', message: 'Project not found.', request_id: 'req-1' },
    });
    const revoked = new ApiError(401, { error: { code: 'ERR_UNAUTHENTICATED', message: 'The API token is not valid.' } }, null);
    assert.equal(describeError(revoked).exitCode, EXIT.notSignedIn);
    const wrongPassword = new ApiError(401, { error: { code: 'ERR_INVALID_CREDENTIALS', message: 'Wrong.' } }, null);
    assert.equal(describeError(wrongPassword).exitCode, EXIT.error);
    assert.equal(describeError(new ApiError(502, undefined, null)).error.code, 'HTTP_502');
  });

  it('keeps the exit code a CLI error carries and names the URL of a network failure', () => {
    assert.equal(describeError(new CliError('ERR_USAGE', 'bad', EXIT.usage)).exitCode, EXIT.usage);
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    });
    assert.deepEqual(describeError(new NetworkError('http://127.0.0.1:9/api/v1/me', refused)), {
      exitCode: EXIT.error,
      error: {
        code: 'ERR_NETWORK',
        message: 'cannot reach Surplus at http://127.0.0.1:9/api/v1/me: connect ECONNREFUSED 127.0.0.1:9',
        url: 'http://127.0.0.1:9/api/v1/me',
      },
    });
    const dualStack = new TypeError('fetch failed', { cause: Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' }) });
    assert.match(new NetworkError('http://localhost:9/', dualStack).message, /: ECONNREFUSED$/);
  });
});

describe('formatErrorText', () => {
  it('lists field errors the message does not already spell out, then the request id', () => {
    const report = describeError(
      new ApiError(
        400,
        {
          error: {
            code: 'ERR_VALIDATION',
            message: 'license: is not a valid SPDX expression',
            fields: [
              { field: 'license', message: 'is not a valid SPDX expression' },
              { field: 'name', message: 'is required' },
            ],
          },
        },
        'req-7',
      ),
    );
    assert.equal(formatErrorText(report), 'error: license: is not a valid SPDX expression\n  name: is required\nrequest id: req-7');
  });
});
