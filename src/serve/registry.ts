/**
 * Which models a service holds, by name and version, and how a request runs one. Every protocol
 * (v1, v2 over HTTP, gRPC) reaches models through {@linkcode ModelRegistry.use}, so that a model
 * loaded, replaced or unloaded while requests run never drops one.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import { preprocess, valuesPerImage } from "../image/mod.ts";
import { Batcher, type BatcherOptions, type ClassifierSession } from "../runtime/mod.ts";
import type { ServeMetrics } from "./metrics.ts";
import { ModelStats } from "./_stats.ts";
import { WARM_IMAGES } from "./_warm_images.ts";

/** A model version as the service holds it: its session, its own batch queue, its statistics. */
export interface ServedModel {
  readonly name: string;
  /** A positive integer as text, as the Open Inference Protocol writes versions. */
  readonly version: string;
  readonly session: ClassifierSession;
  readonly batcher: Batcher;
  /** Whether it has run once (warm-up). */
  ready: boolean;
  readonly stats: ModelStats;
}

/** What happened to a model version, for {@linkcode ModelRegistry.subscribe}. */
export interface RegistryEvent {
  type: "loaded" | "unloaded";
  name: string;
  version: string;
}

/** Options of {@linkcode ModelRegistry}. */
export interface RegistryOptions {
  /** How each model version batches its inputs (sizes come from the model). */
  batching: Omit<BatcherOptions, "valuesPerItem" | "outputsPerItem">;
  metrics: ServeMetrics;
  /** Model used when a request names none. @default the first added */
  defaultName?: string;
}

/** Options of {@linkcode ModelRegistry.add} and {@linkcode ModelRegistry.load}. */
export interface AddOptions {
  /** @default "1" */
  version?: string;
  /** Release the session when the version is unloaded or replaced. @default false: the caller's */
  owned?: boolean;
}

interface Entry {
  model: ServedModel;
  owned: boolean;
  leases: number;
  idle: (() => void)[];
}

/**
 * The models of one service. `get(name?, version?)` finds one (the default model, the highest
 * version); `use` runs a request on one and holds it until the request is done; `load` warms a
 * session before it takes traffic and retires the version it replaces after that version's last
 * request; `unload` does the same without a successor.
 *
 * @example
 * ```ts
 * import { ModelRegistry, ServeMetrics } from "./mod.ts";
 * import { openClassifier } from "../runtime/mod.ts";
 * declare const x: Float32Array; // one image as the model takes it
 * const session = await openClassifier("models/cifar10/model.onnx");
 * const registry = new ModelRegistry({ batching: {}, metrics: new ServeMetrics() });
 * await registry.load(session, { version: "2", owned: true });
 * const probabilities = await registry.use("cifar10", undefined, (m) => m.batcher.submit(x));
 * ```
 */
export class ModelRegistry {
  #entries = new Map<string, Map<string, Entry>>();
  #retiring = new Set<Entry>();
  #listeners = new Set<(event: RegistryEvent) => void>();
  #defaultName: string | undefined;
  #shuttingDown = false;
  #started = false;

  constructor(readonly options: RegistryOptions) {
    this.#defaultName = options.defaultName;
    options.metrics.onCollect(() => {
      for (const name of this.names()) {
        const versions = this.list().filter((m) => m.name === name);
        const queued = versions.reduce((sum, m) => sum + m.batcher.queued, 0);
        const ready = !this.#shuttingDown && versions.some((m) => m.ready);
        options.metrics.queueDepth.set(queued, { model: name });
        options.metrics.modelReady.set(ready ? 1 : 0, { model: name });
      }
    });
  }

  /** The model a request that names none gets: the one asked for, else the first added. */
  get defaultName(): string | undefined {
    return this.#defaultName ?? this.#entries.keys().next().value;
  }

  /** Model names loaded, in the order first added. */
  names(): string[] {
    return [...this.#entries.keys()];
  }

  /** Every loaded version, by name then version. */
  list(): ServedModel[] {
    return [...this.#entries.values()].flatMap((versions) =>
      [...versions.values()].map((e) => e.model).sort(byVersion)
    );
  }

  /** The loaded versions of `name`, lowest first; empty when none. */
  versions(name: string): string[] {
    return [...this.#entries.get(name)?.values() ?? []].map((e) => e.model).sort(byVersion)
      .map((m) => m.version);
  }

  /** Sessions held: loaded versions plus replaced ones still finishing their requests. */
  get sessionCount(): number {
    return this.list().length + this.#retiring.size;
  }

  /** The named model (else the default) at `version` (else its highest); `not_found` otherwise. */
  get(name?: string, version?: string): ServedModel {
    return this.#entry(name, version).model;
  }

  /**
   * Runs `fn` on a model version and holds that version until `fn` settles: an unload or a
   * replacement waits for it, so the request finishes on the version it started on. Records
   * the request in the version's statistics.
   */
  async use<T>(
    name: string | undefined,
    version: string | undefined,
    fn: (model: ServedModel) => Promise<T>,
  ): Promise<T> {
    const entry = this.#entry(name, version);
    entry.leases++;
    const started = performance.now();
    let ok = false;
    try {
      const result = await fn(entry.model);
      ok = true;
      return result;
    } finally {
      entry.model.stats.request(ok, performance.now() - started);
      if (--entry.leases === 0) { for (const resolve of entry.idle.splice(0)) resolve(); }
    }
  }

  /**
   * Adds a session that takes traffic once {@linkcode warmUp} has run it (for start-up); a name
   * and version already held is a `usage` error.
   */
  add(session: ClassifierSession, options: AddOptions = {}): ServedModel {
    const version = options.version ?? "1";
    const { name } = session.info;
    if (this.#entries.get(name)?.has(version)) {
      throw new FerryError("usage", `Cannot serve two models named '${name}' (version ${version})`);
    }
    const entry = this.#entryFor(session, version, options.owned ?? false);
    this.#publish(entry);
    return entry.model;
  }

  /**
   * Warms `session` (one run on the warm-up images), then serves it as its name and version;
   * a version it replaces stops taking new requests at once and is retired after its last.
   */
  async load(session: ClassifierSession, options: AddOptions = {}): Promise<ServedModel> {
    const entry = this.#entryFor(session, options.version ?? "1", options.owned ?? false);
    await warm(entry.model);
    if (this.#shuttingDown) {
      // A load that finishes after drain() began would never be drained or released.
      await entry.model.batcher.close();
      throw new FerryError(
        "overloaded",
        `Cannot load model '${entry.model.name}': the server is shutting down`,
      );
    }
    const old = this.#entries.get(entry.model.name)?.get(entry.model.version);
    this.#publish(entry);
    if (old) await this.#retire(old);
    return entry.model;
  }

  /** Stops serving `name` at `version` (every version when none is given); waits for its requests. */
  async unload(name: string, version?: string): Promise<void> {
    const versions = this.#entries.get(name);
    const entries = [...versions?.values() ?? []]
      .filter((e) => version === undefined || e.model.version === version);
    if (entries.length === 0) {
      throw new FerryError(
        "not_found",
        `Cannot unload model '${name}'${version ? ` version ${version}` : ""}: it is not loaded`,
      );
    }
    for (const entry of entries) {
      versions!.delete(entry.model.version);
      this.#emit({ type: "unloaded", name, version: entry.model.version });
    }
    if (versions!.size === 0) this.#entries.delete(name);
    await Promise.all(entries.map((e) => this.#retire(e)));
  }

  /** Calls `listener` on every load and unload; returns the function that stops it. */
  subscribe(listener: (event: RegistryEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Whether a shutdown has begun: no model is ready from then on. */
  get draining(): boolean {
    return this.#shuttingDown;
  }

  /**
   * Ready to serve: {@linkcode warmUp} has run (a repository loads its models before it), every
   * loaded version is warm, and no shutdown has begun.
   */
  get ready(): boolean {
    return this.#started && !this.#shuttingDown && this.list().every((m) => m.ready);
  }

  /** Runs every version not yet warm once, so that the first request pays no start-up cost. */
  async warmUp(): Promise<void> {
    for (const model of this.list()) if (!model.ready) await warm(model);
    this.#started = true;
  }

  /**
   * Stops taking inputs, waits for queued ones, and releases the sessions the registry owns
   * (those given without `owned` stay the caller's to release).
   */
  async drain(): Promise<void> {
    this.#shuttingDown = true;
    const all = [...this.#entries.values()].flatMap((v) => [...v.values()]);
    await Promise.all([...all, ...this.#retiring].map(async (entry) => {
      await entry.model.batcher.close();
      if (entry.owned) await entry.model.session.release();
    }));
  }

  #entry(name: string | undefined, version: string | undefined): Entry {
    const wanted = name ?? this.defaultName;
    const versions = wanted === undefined ? undefined : this.#entries.get(wanted);
    if (!versions) {
      throw new FerryError(
        "not_found",
        `Cannot find model '${wanted ?? ""}': serving ${this.names().join(", ") || "none"}`,
      );
    }
    const entry = version === undefined
      ? [...versions.values()].sort((a, b) => byVersion(b.model, a.model))[0]
      : versions.get(version);
    if (!entry) {
      throw new FerryError(
        "not_found",
        `Cannot find version ${version} of model '${wanted}': serving versions ${
          this.versions(wanted!).join(", ")
        }`,
      );
    }
    return entry;
  }

  #entryFor(session: ClassifierSession, version: string, owned: boolean): Entry {
    if (!/^[1-9]\d*$/.test(version)) {
      throw new FerryError("usage", `Cannot serve version '${version}': a positive integer`);
    }
    const { name, inputSpec, classNames } = session.info;
    const { metrics } = this.options;
    const stats = new ModelStats();
    // A gathered batch moves to the model's thread instead of being copied there.
    const batcher = new Batcher((x, n, owned) => session.run(x, n, { transfer: owned }), {
      ...this.options.batching,
      valuesPerItem: valuesPerImage(inputSpec),
      outputsPerItem: classNames.length,
    });
    batcher.onBatch = (event) => {
      stats.batch(event);
      metrics.batchSize.observe(event.size, { model: name });
      metrics.inference.observe(event.runMs / 1000, { model: name });
      for (const wait of event.waits) metrics.queueWait.observe(wait / 1000, { model: name });
    };
    return {
      model: { name, version, session, batcher, ready: false, stats },
      owned,
      leases: 0,
      idle: [],
    };
  }

  #publish(entry: Entry): void {
    const { name, version } = entry.model;
    let versions = this.#entries.get(name);
    if (!versions) this.#entries.set(name, versions = new Map());
    versions.set(version, entry);
    this.#emit({ type: "loaded", name, version });
  }

  /** Waits for the requests that hold `entry`, drains its queue, releases what it owns. */
  async #retire(entry: Entry): Promise<void> {
    this.#retiring.add(entry);
    try {
      if (entry.leases > 0) await new Promise<void>((resolve) => entry.idle.push(resolve));
      await entry.model.batcher.close();
      if (entry.owned) await entry.model.session.release();
    } finally {
      this.#retiring.delete(entry);
    }
  }

  #emit(event: RegistryEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

const byVersion = (a: ServedModel, b: ServedModel) => Number(a.version) - Number(b.version);

/** One run on the warm-up images: the first request then pays no start-up cost. */
async function warm(model: ServedModel): Promise<void> {
  const spec = model.session.info.inputSpec;
  const inputs = await Promise.all(WARM_IMAGES.map((bytes) => preprocess(bytes, spec)));
  const batch = new Float32Array(inputs.length * valuesPerImage(spec));
  inputs.forEach((input, i) => batch.set(input, i * input.length));
  await model.session.run(batch, inputs.length);
  model.ready = true;
}
