/**
 * Records every Worker constructed until `restore()`, so that a test can reach the real threads
 * behind a pool or a session (to crash one, or to count them).
 */
export function recordWorkers(): { started: Worker[]; restore(): void } {
  const RealWorker = globalThis.Worker;
  const started: Worker[] = [];
  globalThis.Worker = class extends RealWorker {
    constructor(...args: ConstructorParameters<typeof Worker>) {
      super(...args);
      started.push(this);
    }
  };
  return { started, restore: () => void (globalThis.Worker = RealWorker) };
}

/** Counts the messages posted to `worker` from now on; the returned function reads the count. */
export function countMessages(worker: Worker): () => number {
  let messages = 0;
  const post = worker.postMessage.bind(worker);
  worker.postMessage = ((message: unknown, transfer: Transferable[]) => {
    messages++;
    post(message, transfer);
  }) as Worker["postMessage"];
  return () => messages;
}
