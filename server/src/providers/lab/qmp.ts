/**
 * A minimal QMP (QEMU Machine Protocol) client over a unix socket: one connection per batch of
 * commands — greeting, `qmp_capabilities`, then each command in turn, asynchronous events skipped.
 * QEMU serves one QMP client at a time, so callers serialize batches per machine.
 */
import { connect } from 'node:net';

export type QmpCommand = { execute: string; arguments?: Record<string, unknown> };

export class QmpError extends Error {
  readonly errorClass: string | null;
  constructor(message: string, errorClass: string | null = null) {
    super(message);
    this.errorClass = errorClass;
  }
}

export async function qmp(socketPath: string, commands: QmpCommand[], timeoutMs = 5_000): Promise<unknown[]> {
  const socket = connect(socketPath);
  const lines: string[] = [];
  let waiter: ((line: string) => void) | null = null;
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (!line) continue;
      if (waiter) {
        const resolve = waiter;
        waiter = null;
        resolve(line);
      } else lines.push(line);
    }
  });
  const closed = new Promise<never>((_, reject) => {
    socket.on('error', (error) => reject(new QmpError(`QMP ${socketPath}: ${error.message}`)));
    // The first of error and close settles it.
    socket.on('close', () => reject(new QmpError(`QMP ${socketPath}: connection closed`)));
  });
  closed.catch(() => {});
  const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);

  const next = (): Promise<Record<string, unknown>> => {
    const line = lines.shift();
    const pending = line !== undefined ? Promise.resolve(line) : new Promise<string>((resolve) => (waiter = resolve));
    return Promise.race([pending, closed]).then((text) => JSON.parse(text) as Record<string, unknown>);
  };
  const answer = async (): Promise<unknown> => {
    for (;;) {
      const message = await next();
      if ('event' in message) continue;
      if ('error' in message) {
        const error = message.error as { class?: string; desc?: string };
        throw new QmpError(error.desc ?? 'QMP error', error.class ?? null);
      }
      if ('return' in message) return message.return;
    }
  };

  try {
    const greeting = await next();
    if (!('QMP' in greeting)) throw new QmpError(`QMP ${socketPath}: unexpected greeting`);
    socket.write(`${JSON.stringify({ execute: 'qmp_capabilities' })}\n`);
    await answer();
    const results: unknown[] = [];
    for (const command of commands) {
      socket.write(`${JSON.stringify(command)}\n`);
      try {
        results.push(await answer());
      } catch (error) {
        // `quit` may close the socket before QEMU answers: that is the answer.
        if (command.execute === 'quit' && error instanceof QmpError && error.errorClass === null) results.push({});
        else throw error;
      }
    }
    return results;
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}
