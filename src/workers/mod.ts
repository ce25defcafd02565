/**
 * Calls to worker threads: a {@linkcode WorkerClient} on the owner's side, {@linkcode answerCalls}
 * on the worker's, errors crossing with their kind (`toData`/`fromData`), and the least-busy pick
 * of a pool. The decode pool, the model workers and the training workers all talk through it.
 *
 * @module
 */
export { answerCalls, type AnswerOptions, type Method, postEvent, withTransfer } from "./answer.ts";
export { WorkerClient, type WorkerClientOptions } from "./client.ts";
export { leastBusy } from "./least_busy.ts";
