/**
 * Scanning an upload off the event loop. A 50 MB lock file takes a second or more to parse and
 * group; on the main thread that second would stall every other request, so large uploads are
 * scanned in a worker thread, which hands back only what gets stored: counts, notes, the depth
 * histogram, the packed graph and the upstream projects. Small files (most lock files) are scanned
 * in place: they take milliseconds.
 */
import { createHash } from 'node:crypto';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ParseError, scan, UnrecognizedFormatError, type UpstreamProject } from '@surplus/deps';
import { AppError } from '../http/errors.ts';
import { depthHistogram, packGraph } from './insight.graph.ts';

export type UploadFile = { bytes: Uint8Array; name: string };

/** What an upload keeps of its scan. */
export type ScannedUpload = {
  format: string;
  formatVersion: string | null;
  companionName: string | null;
  packages: number;
  direct: number | null;
  notes: string[];
  depthHistogram: number[];
  sha256: string;
  graphGz: Uint8Array;
  projects: UpstreamProject[];
};

const WORKER_MARK = { role: 'surplus-insight-scan' };

type Outcome =
  | { ok: true; scanned: ScannedUpload }
  | { ok: false; code: 'ERR_MALFORMED_FILE'; message: string; field: 'file' | 'companion' }
  | { ok: false; code: 'ERR_UNSUPPORTED_FORMAT'; message: string }
  | { ok: false; code: 'ERR_INTERNAL'; message: string };

// Manifests a lock file may come with; a ParseError in one of these is the companion's.
const COMPANION_KINDS = new Set(['package.json', 'Cargo.toml', 'pyproject.toml', 'composer.json', 'requirements']);

function outcomeOf(file: UploadFile, companion: UploadFile | null): Outcome {
  try {
    const result = scan(file.bytes, file.name, companion ?? undefined);
    return {
      ok: true,
      scanned: {
        format: result.format,
        formatVersion: result.formatVersion,
        companionName: result.companion?.fileName ?? null,
        packages: result.packages,
        direct: result.direct,
        notes: result.notes,
        depthHistogram: depthHistogram(result.graph.components),
        sha256: createHash('sha256').update(file.bytes).digest('hex'),
        graphGz: packGraph(result.graph),
        projects: result.projects,
      },
    };
  } catch (error) {
    if (error instanceof ParseError) {
      // go.mod and go.sum are both lock file and companion: the companion's when that is its name.
      const isCompanion =
        companion !== null &&
        (COMPANION_KINDS.has(error.format) ||
          ((error.format === 'go.mod' || error.format === 'go.sum') && companion.name.toLowerCase().endsWith(error.format)));
      return { ok: false, code: 'ERR_MALFORMED_FILE', message: error.message, field: isCompanion ? 'companion' : 'file' };
    }
    if (error instanceof UnrecognizedFormatError) return { ok: false, code: 'ERR_UNSUPPORTED_FORMAT', message: error.message };
    throw error;
  }
}

function settle(outcome: Outcome): ScannedUpload {
  if (outcome.ok) return outcome.scanned;
  if (outcome.code === 'ERR_MALFORMED_FILE') {
    throw new AppError(outcome.code, outcome.message, { fields: [{ field: outcome.field, message: outcome.message }] });
  }
  if (outcome.code === 'ERR_INTERNAL') throw new Error(`the scan failed in its worker: ${outcome.message}`);
  throw new AppError(outcome.code, outcome.message);
}

/** Scans on this thread. Throws AppError 400 (malformed) or 415 (unrecognized), like the worker. */
export function scanUpload(file: UploadFile, companion: UploadFile | null): ScannedUpload {
  return settle(outcomeOf(file, companion));
}

/** Below this the scan takes a few milliseconds: handing it to the worker would cost more than it saves. */
export const IN_THREAD_BYTES = 1024 * 1024;

type Pending = { resolve(outcome: Outcome): void; reject(error: unknown): void };

/**
 * One long-lived worker, started on the first large upload (loading the parsers takes about a second)
 * and kept for the next; unref'd, so it never keeps the process alive. Requests carry an id; a worker
 * that dies fails what it had and is replaced on the next request.
 */
class ScanWorker {
  #worker: Worker | null = null;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  run(file: UploadFile, companion: UploadFile | null): Promise<Outcome> {
    const worker = this.#ensure();
    const id = this.#nextId++;
    // Copies, so the request's buffers stay usable here; the copies move to the worker without another.
    const bytes = new Uint8Array(file.bytes);
    const companionBytes = companion ? new Uint8Array(companion.bytes) : null;
    return new Promise<Outcome>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref(); // while a scan is running, the process waits for it
      worker.postMessage(
        {
          id,
          file: { bytes, name: file.name },
          companion: companion && companionBytes ? { bytes: companionBytes, name: companion.name } : null,
        },
        [bytes.buffer, ...(companionBytes ? [companionBytes.buffer] : [])],
      );
    });
  }

  #ensure(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL(import.meta.url), { workerData: WORKER_MARK });
    worker.unref();
    worker.on('message', ({ id, outcome }: { id: number; outcome: Outcome }) => {
      const pending = this.#pending.get(id);
      this.#pending.delete(id);
      if (this.#pending.size === 0) worker.unref();
      pending?.resolve(outcome);
    });
    const fail = (error: unknown) => {
      if (this.#worker === worker) this.#worker = null;
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the scan worker exited with code ${code}`)));
    this.#worker = worker;
    return worker;
  }
}

const shared = new ScanWorker();

/** Scans off the event loop (small files, which take milliseconds, on this thread). Throws like scanUpload. */
export async function scanUploadInWorker(file: UploadFile, companion: UploadFile | null): Promise<ScannedUpload> {
  const size = file.bytes.length + (companion?.bytes.length ?? 0);
  if (size < IN_THREAD_BYTES) return scanUpload(file, companion);
  return settle(await shared.run(file, companion));
}

// In the worker started above (and no other thread that happens to load this module): one request, one answer.
if (!isMainThread && parentPort && (workerData as { role?: string } | null)?.role === WORKER_MARK.role) {
  const port = parentPort;
  port.on('message', (message: { id: number; file: UploadFile; companion: UploadFile | null }) => {
    let outcome: Outcome;
    try {
      outcome = outcomeOf(message.file, message.companion);
    } catch (error) {
      // Not a refusal but a bug: let the main thread fail the request (500) and keep this worker.
      outcome = { ok: false, code: 'ERR_INTERNAL', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    port.postMessage({ id: message.id, outcome });
  });
}
