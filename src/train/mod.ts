/**
 * Training: the fit loop, callbacks, history, checkpoints and the backend it runs on.
 *
 * @module
 */
export { BACKEND_CHOICES, type BackendChoice, type BackendInfo, initBackend } from "./backend.ts";
