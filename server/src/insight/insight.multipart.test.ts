import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MultipartError, multipartBoundary, parseMultipart } from './insight.multipart.ts';

describe('multipart/form-data', () => {
  it('reads what the platform’s own FormData writes: parts, file names and bytes untouched', async () => {
    const lock = new Uint8Array([0x7b, 0x0d, 0x0a, 0x2d, 0x2d, 0x00, 0xff, 0x7d]); // CRLF, dashes, NUL, 0xFF inside
    const form = new FormData();
    form.append('file', new Blob([lock]), 'Cargo.lock');
    form.append('companion', new Blob(['[package]\nname = "x"\n']), 'Cargo.toml');
    const request = new Request('http://x/', { method: 'POST', body: form });
    const boundary = multipartBoundary(request.headers.get('content-type') ?? undefined);
    assert.ok(boundary);
    const parts = parseMultipart(Buffer.from(await request.arrayBuffer()), boundary);
    assert.deepEqual(
      parts.map((p) => [p.field, p.fileName]),
      [
        ['file', 'Cargo.lock'],
        ['companion', 'Cargo.toml'],
      ],
    );
    assert.deepEqual([...(parts[0]?.bytes ?? [])], [...lock]);
    assert.equal(parts[1]?.bytes.toString(), '[package]\nname = "x"\n');
  });

  it('takes quoted boundaries, filename* and transport padding', () => {
    const body = Buffer.from(
      [
        '--bx  ',
        'Content-Disposition: form-data; name="file"; filename="a"; filename*=UTF-8\'\'go%20.mod',
        '',
        'module x',
        '--bx--',
        '',
      ].join('\r\n'),
    );
    assert.equal(multipartBoundary('multipart/form-data; boundary="bx"'), 'bx');
    const [part] = parseMultipart(body, 'bx');
    assert.equal(part?.fileName, 'go .mod');
    assert.equal(part?.bytes.toString(), 'module x');
  });

  it('is not multipart for other types, and says what is wrong with a broken body', () => {
    assert.equal(multipartBoundary('application/octet-stream'), null);
    assert.equal(multipartBoundary(undefined), null);
    assert.throws(() => multipartBoundary('multipart/form-data'), MultipartError);
    assert.throws(() => parseMultipart(Buffer.from('no boundary here'), 'bx'), /does not contain the boundary/);
    assert.throws(
      () => parseMultipart(Buffer.from('--bx\r\nContent-Disposition: form-data; name="file"\r\n\r\nunterminated'), 'bx'),
      /ends before its closing boundary/,
    );
    assert.throws(() => parseMultipart(Buffer.from('--bx\r\nContent-Type: text/plain\r\n\r\nx\r\n--bx--'), 'bx'), /no Content-Disposition/);
  });
});
