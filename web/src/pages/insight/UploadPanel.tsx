import { ApiError, type Schemas, unwrap } from '@surplus/api-client';
import { type DragEvent, useId, useRef, useState } from 'react';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Icon } from '../../components/Icon.tsx';
import { useSession } from '../../session.tsx';
import { formatBytes, MAX_UPLOAD_BYTES, pickFiles, progressFetch } from './upload.ts';

type Upload = Schemas['Upload'];
type Picked = { file: File; companion: File | null };

const ERROR_TITLES: Record<string, string> = {
  ERR_MALFORMED_FILE: 'The file is not well-formed',
  ERR_UNSUPPORTED_FORMAT: 'Not a dependency file Surplus reads',
  ERR_PAYLOAD_TOO_LARGE: 'The file is too large',
};

/**
 * Drop (or choose) a lock file or SBOM, optionally with its manifest, and send it for the product. The
 * bar shows the bytes going out; then the server scans, and what it refused comes back as it said it.
 */
export function UploadPanel({ product, onUploaded }: { product: string; onUploaded: (upload: Upload) => void }) {
  const { client } = useSession();
  const fileInput = useId();
  const manifestInput = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const [picked, setPicked] = useState<Picked | null>(null);
  const [isOver, setIsOver] = useState(false);
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const choose = (files: File[]) => {
    setError(null);
    const choice = pickFiles(files);
    if (!choice) {
      setProblem('Drop one lock file or SBOM, or one with its manifest (package.json, Cargo.toml, pyproject.toml, composer.json, go.sum).');
      return;
    }
    const tooBig = [choice.file, choice.companion].find((f) => f && f.size > MAX_UPLOAD_BYTES);
    setProblem(tooBig ? `${tooBig.name} is ${formatBytes(tooBig.size)}; files up to 50 MB are accepted.` : null);
    setPicked(tooBig ? null : choice);
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setIsOver(false);
    choose([...event.dataTransfer.files]);
  };

  const send = async () => {
    if (!picked) return;
    setError(null);
    setProgress({ sent: 0, total: picked.file.size + (picked.companion?.size ?? 0) });
    let body: Blob | FormData = picked.file;
    let headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (picked.companion) {
      const form = new FormData();
      form.append('file', picked.file, picked.file.name);
      form.append('companion', picked.companion, picked.companion.name);
      body = form;
      headers = {};
    }
    try {
      const upload = await unwrap(
        client.POST('/api/v1/products/{product}/uploads', {
          params: { path: { product }, query: { name: picked.file.name } },
          // The contract types a binary body as a string; the file goes as it is.
          body: body as unknown as string,
          bodySerializer: (value: unknown) => value as BodyInit,
          headers,
          fetch: progressFetch((sent, total) => setProgress({ sent, total })),
        }),
      );
      setPicked(null);
      if (fileRef.current) fileRef.current.value = '';
      onUploaded(upload);
    } catch (failure) {
      setError(failure);
    } finally {
      setProgress(null);
    }
  };

  const isSending = progress !== null;
  const share = progress && progress.total > 0 ? Math.min(1, progress.sent / progress.total) : 0;
  const errorTitle = error instanceof ApiError ? ERROR_TITLES[error.code] : undefined;
  return (
    <div className="stack">
      {/* biome-ignore lint/a11y/noStaticElementInteractions: a drop target for the mouse; the file inputs inside are the keyboard's way */}
      <div
        className="sc-dropzone"
        data-over={isOver}
        data-testid="dropzone"
        onDragOver={(event) => {
          event.preventDefault();
          setIsOver(true);
        }}
        onDragLeave={() => setIsOver(false)}
        onDrop={onDrop}
      >
        <Icon name="inbox" size={24} />
        <div>
          <strong>Drop a lock file or SBOM here</strong>, with its manifest if the lock file alone cannot tell what is direct.
        </div>
        <div className="small">
          CycloneDX or SPDX JSON, package-lock.json, pnpm-lock.yaml, yarn.lock, go.mod, Cargo.lock, poetry.lock, requirements.txt,
          Gemfile.lock, composer.lock; up to 50 MB.
        </div>
        <div className="sc-files">
          <label htmlFor={fileInput} className="btn btn-secondary btn-sm">
            Choose a file
          </label>
          <input
            id={fileInput}
            ref={fileRef}
            className="visually-hidden"
            type="file"
            aria-label="Lock file or SBOM"
            onChange={(event) => choose([...(event.target.files ?? [])])}
          />
          {picked ? (
            <>
              <label htmlFor={manifestInput} className="btn btn-ghost btn-sm">
                {picked.companion ? 'Change the manifest' : 'Add its manifest'}
              </label>
              <input
                id={manifestInput}
                className="visually-hidden"
                type="file"
                aria-label="Manifest"
                onChange={(event) => {
                  const manifest = event.target.files?.[0];
                  if (manifest) setPicked({ ...picked, companion: manifest });
                }}
              />
            </>
          ) : null}
        </div>
        {picked ? (
          <div className="sc-files" data-testid="picked">
            <span>
              <Icon name="log" size={14} /> <span className="mono">{picked.file.name}</span> ({formatBytes(picked.file.size)})
            </span>
            {picked.companion ? (
              <span>
                with <span className="mono">{picked.companion.name}</span> ({formatBytes(picked.companion.size)})
              </span>
            ) : null}
          </div>
        ) : null}
        {isSending ? (
          <>
            <div
              className="sc-progress"
              role="progressbar"
              aria-label="Upload progress"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(share * 100)}
            >
              <div style={{ width: `${share * 100}%` }} />
            </div>
            <div className="small" aria-live="polite">
              {share < 1 ? `Sending… ${Math.round(share * 100)}%` : 'Scanning…'}
            </div>
          </>
        ) : picked ? (
          <Button variant="primary" onClick={send}>
            Upload
          </Button>
        ) : null}
      </div>
      {problem ? <Banner tone="warning">{problem}</Banner> : null}
      <ErrorBanner error={error} title={errorTitle} />
    </div>
  );
}
