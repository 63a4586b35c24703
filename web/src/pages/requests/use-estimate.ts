import { ApiError, type Client, unwrap } from '@surplus/api-client';
import { useEffect, useRef, useState } from 'react';

export type LineDraft = { key: number; plan: string; quantity: string; metro: string; operating_system: string };

export type LiveEstimate = {
  /** Monthly cents per line, by the line's position; undefined while the line is incomplete. */
  lineCents: (number | undefined)[];
  totalCents: number;
  currency: string;
  /** Lines counted in the total (complete ones). */
  countedLines: number;
  isUpdating: boolean;
  /** The server's objection to a line (e.g. an OS not offered for the plan's architecture), by position. */
  lineErrors: Map<number, string>;
  error: unknown;
};

const DEBOUNCE_MS = 300;

/** A line the estimate can price: every choice made and a whole quantity of at least one. */
export function completeLine(line: LineDraft) {
  const quantity = Number(line.quantity);
  if (!line.plan || !line.metro || !line.operating_system || !Number.isInteger(quantity) || quantity < 1) return null;
  return { plan: line.plan, quantity, metro: line.metro, operating_system: line.operating_system };
}

/**
 * The monthly cost of the lines as the server computes it (catalog price × 730 h × quantity), asked
 * for again a moment after the last change, so typing a quantity does not send a call per key.
 * Answers for older lines are dropped.
 */
export function useEstimate(client: Client, lines: LineDraft[]): LiveEstimate {
  const [state, setState] = useState<Omit<LiveEstimate, 'isUpdating'>>({
    lineCents: [],
    totalCents: 0,
    currency: 'USD',
    countedLines: 0,
    lineErrors: new Map(),
    error: undefined,
  });
  const [isUpdating, setIsUpdating] = useState(false);
  const generation = useRef(0);
  const signature = JSON.stringify(lines.map(completeLine));

  // biome-ignore lint/correctness/useExhaustiveDependencies: the signature stands for the lines' priced content
  useEffect(() => {
    const mine = ++generation.current;
    const positions: number[] = [];
    const resources = lines.flatMap((line, index) => {
      const complete = completeLine(line);
      if (!complete) return [];
      positions.push(index);
      return [complete];
    });
    if (resources.length === 0) {
      setState((current) => ({ ...current, lineCents: [], totalCents: 0, countedLines: 0, lineErrors: new Map(), error: undefined }));
      setIsUpdating(false);
      return;
    }
    setIsUpdating(true);
    const timer = setTimeout(() => {
      unwrap(client.POST('/api/v1/requests/estimate', { body: { resources } })).then(
        (estimate) => {
          if (mine !== generation.current) return;
          const lineCents: (number | undefined)[] = [];
          estimate.lines.forEach((line, at) => {
            const position = positions[at];
            if (position !== undefined) lineCents[position] = line.monthly_cents;
          });
          setState({
            lineCents,
            totalCents: estimate.monthly_cents,
            currency: estimate.currency,
            countedLines: resources.length,
            lineErrors: new Map(),
            error: undefined,
          });
          setIsUpdating(false);
        },
        (failure: unknown) => {
          if (mine !== generation.current) return;
          // The server names lines by their place in what was sent: map them back to the form's lines.
          const lineErrors = new Map<number, string>();
          if (failure instanceof ApiError) {
            for (const field of failure.fields) {
              const match = /^resources(?:\[(\d+)\]|\.(\d+))\.?(.*)$/.exec(field.field);
              const position = match ? positions[Number(match[1] ?? match[2])] : undefined;
              if (position !== undefined) lineErrors.set(position, field.message);
            }
          }
          setState((current) => ({
            ...current,
            lineCents: [],
            totalCents: 0,
            countedLines: 0,
            lineErrors,
            error: lineErrors.size > 0 ? undefined : failure,
          }));
          setIsUpdating(false);
        },
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [client, signature]);

  return { ...state, isUpdating };
}
