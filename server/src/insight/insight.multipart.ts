/**
 * Just enough of multipart/form-data (RFC 7578) for an upload of a lock file with its manifest: the
 * parts of a fully buffered body, each with its field name, file name and bytes. The whole body is
 * in memory anyway (the scan needs all of it), so there is nothing to stream.
 */

export type FormPart = { field: string; fileName: string | null; bytes: Buffer };

export class MultipartError extends Error {
  constructor(reason: string) {
    super(`multipart/form-data: ${reason}`);
    this.name = 'MultipartError';
  }
}

/** The boundary of a `multipart/form-data; boundary=…` content type, or null for any other type. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  if (!match) throw new MultipartError('the content type names no boundary');
  return (match[1] ?? match[2]) as string;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  let position = body.indexOf(delimiter);
  if (position === -1) throw new MultipartError('the body does not contain the boundary');
  const parts: FormPart[] = [];
  for (;;) {
    position += delimiter.length;
    if (body[position] === 0x2d && body[position + 1] === 0x2d) return parts; // "--": the closing delimiter
    // Transport padding (spaces, tabs) may follow a delimiter before its line break.
    while (body[position] === 0x20 || body[position] === 0x09) position++;
    if (!body.subarray(position, position + 2).equals(CRLF)) throw new MultipartError('a boundary line does not end with CRLF');
    position += 2;
    const headerEnd = body.indexOf(HEADER_END, position);
    if (headerEnd === -1) throw new MultipartError('a part has no end to its headers');
    const headers = body.subarray(position, headerEnd).toString('utf8');
    const contentStart = headerEnd + HEADER_END.length;
    const contentEnd = body.indexOf(nextDelimiter, contentStart);
    if (contentEnd === -1) throw new MultipartError('the body ends before its closing boundary');
    parts.push({ ...disposition(headers), bytes: body.subarray(contentStart, contentEnd) });
    position = contentEnd + CRLF.length;
  }
}

function disposition(headers: string): { field: string; fileName: string | null } {
  const line = headers.split('\r\n').find((header) => /^content-disposition\s*:/i.test(header));
  if (!line) throw new MultipartError('a part has no Content-Disposition header');
  const params = new Map<string, string>();
  for (const match of line.matchAll(/;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
    const name = (match[1] as string).toLowerCase();
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '').trim();
    params.set(name, value);
  }
  const field = params.get('name');
  if (field === undefined) throw new MultipartError('a part has no name');
  // RFC 5987 `filename*=UTF-8''…` wins over a plain `filename` when both are given.
  const extended = params.get('filename*');
  const encoded = extended ? /^utf-8''(.*)$/i.exec(extended)?.[1] : undefined;
  let fileName = params.get('filename') ?? null;
  if (encoded !== undefined) {
    try {
      fileName = decodeURIComponent(encoded);
    } catch {
      throw new MultipartError('a part’s filename* is not valid percent-encoding');
    }
  }
  return { field, fileName };
}
