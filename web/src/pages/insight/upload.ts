/**
 * Pieces of the upload that are not React: which dropped file is the lock file and which its
 * manifest, and a fetch that reports upload progress (fetch itself cannot; XMLHttpRequest can).
 */

/** Files up to 50 MB are accepted: refuse bigger ones before sending them. */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

// Manifests that say what a lock file's product asks for directly (the `--with` of `surplus deps scan`).
const MANIFESTS = [
  /(^|\/)package\.json$/i,
  /(^|\/)cargo\.toml$/i,
  /(^|\/)pyproject\.toml$/i,
  /(^|\/)composer\.json$/i,
  /requirements[^/]*\.in$/i,
];

export function isManifest(name: string): boolean {
  return MANIFESTS.some((pattern) => pattern.test(name));
}

/**
 * Of one or two dropped files, the lock file (or SBOM) and its manifest. go.mod with go.sum: go.mod is
 * the file, go.sum checks it. Returns null for choices that make no sense (three files, two manifests).
 */
export function pickFiles<T extends { name: string }>(files: readonly T[]): { file: T; companion: T | null } | null {
  if (files.length === 1) return { file: files[0] as T, companion: null };
  if (files.length !== 2) return null;
  const [a, b] = files as [T, T];
  const goMod = files.find((f) => /(^|\/)go\.mod$/i.test(f.name));
  const goSum = files.find((f) => /(^|\/)go\.sum$/i.test(f.name));
  if (goMod && goSum) return { file: goMod, companion: goSum };
  if (isManifest(a.name) && !isManifest(b.name)) return { file: b, companion: a };
  if (isManifest(b.name) && !isManifest(a.name)) return { file: a, companion: b };
  return null;
}

/** "1.2 MB", "820 KB", "512 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A fetch for one API call (openapi-fetch's per-request `fetch`) that sends the request with
 * XMLHttpRequest, so `onProgress` hears how much of the body went out. The client's middleware (the
 * CSRF header) has already run: the Request carries everything to send.
 */
export function progressFetch(onProgress: (sentBytes: number, totalBytes: number) => void) {
  return async (request: Request): Promise<Response> => {
    const body = await request.arrayBuffer();
    return new Promise<Response>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(request.method, request.url);
      request.headers.forEach((value, name) => {
        xhr.setRequestHeader(name, value);
      });
      xhr.responseType = 'arraybuffer';
      xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : body.byteLength);
      xhr.onload = () => {
        const headers = new Headers();
        for (const line of xhr
          .getAllResponseHeaders()
          .trim()
          .split(/[\r\n]+/)) {
          const colon = line.indexOf(':');
          if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
        }
        resolve(new Response(NULL_BODY_STATUSES.has(xhr.status) ? null : xhr.response, { status: xhr.status, headers }));
      };
      xhr.onerror = () => reject(new TypeError('The upload failed: Surplus cannot be reached.'));
      xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
      request.signal.addEventListener('abort', () => xhr.abort());
      xhr.send(body);
    });
  };
}
