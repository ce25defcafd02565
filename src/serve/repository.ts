/**
 * A model repository kept in step with its folder, in Triton's model control modes: `none` loads
 * what is there at start, `poll` also rescans every few seconds, `explicit` loads and unloads only
 * what it is asked to. Every change goes through {@linkcode ModelRegistry.load} and `unload`, so a
 * swap never drops a request.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import type { ClassifierSession } from "../runtime/mod.ts";
import type { ModelRegistry } from "./registry.ts";
import { type RepositoryEntry, scanRepository } from "./repository_scan.ts";

/** Triton's names for who decides which models are loaded. */
export const MODEL_CONTROL_MODES = ["none", "poll", "explicit"] as const;
export type ModelControlMode = typeof MODEL_CONTROL_MODES[number];

/** Options of {@linkcode ModelRepository}. */
export interface RepositoryOptions {
  /** The folder, in Triton's layout (`<name>/<version>/model.onnx`). */
  dir: string;
  /** @default "none" */
  mode?: ModelControlMode;
  /** Seconds between rescans in `poll` mode. @default 15 */
  pollSecs?: number;
  /** Opens a model file as the session that serves `name`. */
  open: (path: string, name: string) => Promise<ClassifierSession>;
  /** Told about a version that a rescan could not load (the version before it keeps serving). */
  onError?: (message: string) => void;
}

/** Defaults of {@linkcode RepositoryOptions}. */
export const REPOSITORY_DEFAULTS = { mode: "none", pollSecs: 15 } as const;

/** One row of `POST /v2/repository/index`. */
export interface IndexEntry {
  name: string;
  version: string;
  state: "READY" | "UNAVAILABLE";
  reason: string;
}

const key = (name: string, version: string) => `${name}/${version}`;

/**
 * Keeps a {@linkcode ModelRegistry} in step with a repository folder. Operations run one at a
 * time, in the order asked.
 *
 * @example
 * ```ts
 * import { ModelRegistry, ModelRepository, ServeMetrics } from "./mod.ts";
 * import { openClassifier } from "../runtime/mod.ts";
 * const registry = new ModelRegistry({ batching: {}, metrics: new ServeMetrics() });
 * const open = (path: string, name: string) => openClassifier(path, { name });
 * const repository = new ModelRepository(registry, { dir: "models", mode: "poll", open });
 * await repository.start(); // loads every version found, then rescans every 15 s
 * ```
 */
export class ModelRepository {
  readonly mode: ModelControlMode;
  readonly pollSecs: number;
  #loaded = new Map<string, RepositoryEntry>();
  #failed = new Map<string, string>();
  #queue: Promise<unknown> = Promise.resolve();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(readonly registry: ModelRegistry, readonly options: RepositoryOptions) {
    this.mode = options.mode ?? REPOSITORY_DEFAULTS.mode;
    this.pollSecs = options.pollSecs ?? REPOSITORY_DEFAULTS.pollSecs;
    if (!MODEL_CONTROL_MODES.includes(this.mode)) {
      throw new FerryError(
        "usage",
        `Cannot use model control mode '${this.mode}': expected ${MODEL_CONTROL_MODES.join(", ")}`,
      );
    }
    if (!(this.pollSecs > 0)) {
      throw new FerryError(
        "usage",
        `Cannot poll the repository every ${this.pollSecs} s: must be more than 0`,
      );
    }
  }

  /** Loads what the mode loads at start (all but `explicit`), then starts polling in `poll`. */
  async start(): Promise<void> {
    if (this.mode !== "explicit") await this.#serially(() => this.#sync(undefined, true));
    if (this.mode === "poll" && this.#timer === undefined) {
      this.#timer = setInterval(() => {
        // A folder that cannot be read this time is reported; the models loaded keep serving.
        this.poll().catch((error) => this.options.onError?.(`Cannot rescan: ${error.message}`));
      }, this.pollSecs * 1000);
    }
  }

  /** Stops polling. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Rescans: loads new and replaced versions, unloads removed ones; failures are reported. */
  poll(): Promise<void> {
    return this.#serially(() => this.#sync(undefined, false));
  }

  /** Every version in the folder or loaded, with its state (only the loaded with `readyOnly`). */
  index(readyOnly = false): Promise<IndexEntry[]> {
    return this.#serially(async () => {
      const rows = new Map<string, IndexEntry>();
      for (const entry of await scanRepository(this.options.dir)) {
        rows.set(key(entry.name, entry.version), this.#row(entry.name, entry.version));
      }
      for (const model of this.registry.list()) {
        rows.set(key(model.name, model.version), this.#row(model.name, model.version));
      }
      return [...rows.values()].filter((r) => !readyOnly || r.state === "READY");
    });
  }

  /** `explicit` mode: loads (or reloads) every version of `name` found, unloads those gone. */
  load(name: string): Promise<void> {
    this.#explicitOnly("load");
    return this.#serially(async () => {
      await this.#sync(name, true);
      if (!this.registry.names().includes(name)) {
        throw new FerryError(
          "not_found",
          `Cannot load model '${name}': no ${name}/<version>/model.onnx in the repository`,
        );
      }
    });
  }

  /** `explicit` mode: stops serving every version of `name` once its requests are done. */
  unload(name: string): Promise<void> {
    this.#explicitOnly("unload");
    return this.#serially(async () => {
      await this.registry.unload(name);
      for (const [k, entry] of this.#loaded) if (entry.name === name) this.#loaded.delete(k);
    });
  }

  #row(name: string, version: string): IndexEntry {
    const loaded = this.registry.versions(name).includes(version);
    const reason = this.#failed.get(key(name, version)) ?? (loaded ? "" : "unloaded");
    return { name, version, state: loaded ? "READY" : "UNAVAILABLE", reason };
  }

  #explicitOnly(what: string): void {
    if (this.mode !== "explicit") {
      throw new FerryError(
        "usage",
        `Cannot ${what} models: the model control mode is '${this.mode}' ` +
          "(start with --model-control-mode explicit)",
      );
    }
  }

  /** Brings one model (or all) in step with the folder; `strict` throws the first failure. */
  async #sync(only: string | undefined, strict: boolean): Promise<void> {
    const onDisk = (await scanRepository(this.options.dir))
      .filter((e) => only === undefined || e.name === only);
    const seen = new Set(onDisk.map((e) => key(e.name, e.version)));
    for (const entry of onDisk) {
      const k = key(entry.name, entry.version);
      const held = this.#loaded.get(k);
      if (held && held.mtimeMs === entry.mtimeMs && held.path === entry.path) continue;
      try {
        const session = await this.options.open(entry.path, entry.name);
        await this.registry.load(session, { version: entry.version, owned: true })
          .catch(async (error) => {
            await session.release();
            throw error;
          });
        this.#loaded.set(k, entry);
        this.#failed.delete(k);
      } catch (error) {
        const reason = (error as Error).message;
        this.#failed.set(k, reason);
        if (strict) throw error;
        this.options.onError?.(`Cannot load ${entry.name} version ${entry.version}: ${reason}`);
      }
    }
    for (const [k, entry] of this.#loaded) {
      if (seen.has(k) || (only !== undefined && entry.name !== only)) continue;
      this.#loaded.delete(k);
      this.#failed.delete(k);
      await this.registry.unload(entry.name, entry.version);
    }
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(work);
    this.#queue = result.catch(() => {});
    return result;
  }
}
