/**
 * The item with the fewest jobs pending (the first of those tied): where a pool of workers
 * sends its next job.
 *
 * @example
 * ```ts
 * import { leastBusy, WorkerClient } from "./mod.ts";
 *
 * declare const clients: WorkerClient[];
 * const client = leastBusy(clients, (c) => c.pending);
 * ```
 */
export function leastBusy<T>(items: readonly T[], pending: (item: T) => number): T {
  let best: T = items[0]!;
  for (const item of items) if (pending(item) < pending(best)) best = item;
  return best;
}
