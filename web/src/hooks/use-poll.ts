import { useEffect, useRef } from 'react';

/**
 * Calls `tick` every `intervalMs` while `isActive` (a server provisioning, a machine enrolling). The
 * next tick is scheduled only after the previous one settled, so a slow answer never piles up calls.
 */
export function usePoll(isActive: boolean, tick: () => Promise<unknown>, intervalMs = 2_000): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    if (!isActive) return;
    let isStopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const schedule = () => {
      timer = setTimeout(async () => {
        try {
          await tickRef.current();
        } catch {
          // A failed poll is retried on the next tick; the page keeps what it showed.
        }
        if (!isStopped) schedule();
      }, intervalMs);
    };
    schedule();
    return () => {
      isStopped = true;
      clearTimeout(timer);
    };
  }, [isActive, intervalMs]);
}
