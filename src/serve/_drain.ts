/**
 * The end of a server's life, whichever server: connections close within a time limit (cut past
 * it), and the batch queues drain once either way.
 *
 * @module
 */

/** What {@linkcode closeWithin} does to a server. */
export interface Closing {
  /** Resolves once the server has stopped accepting and its connections have closed. */
  closed: Promise<void>;
  /** Cuts the connections still open when the time is up. */
  cut(): void;
  /** Drains the batch queues (requests in flight hold their images there). */
  drain(): Promise<void>;
}

/** Resolves `true` when the connections closed within `timeoutMs`, `false` when they were cut. */
export async function closeWithin(timeoutMs: number, closing: Closing): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  let drained: Promise<void> | undefined;
  const drain = () => drained ??= closing.drain();
  const done = await Promise.race([closing.closed.then(drain).then(() => true as const), timeout]);
  clearTimeout(timer);
  if (!done) {
    closing.cut();
    await drain();
  }
  return done;
}
