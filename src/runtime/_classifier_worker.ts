/**
 * The thread behind {@linkcode openClassifierInWorker} when its caller adds no jobs: a session
 * that opens, runs and releases.
 *
 * @module
 */
import { serveClassifier } from "./classifier_thread.ts";

serveClassifier();
