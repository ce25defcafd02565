import { FerryError } from "../errors.ts";
import { preprocess, valuesPerImage } from "../image/mod.ts";
import { Batcher, type BatcherOptions, type ClassifierSession } from "../runtime/mod.ts";
import type { ServeMetrics } from "./metrics.ts";
import { WARM_IMAGES } from "./_warm_images.ts";

/** A model as the service holds it: its session and its own batch queue. */
export interface ServedModel {
  name: string;
  session: ClassifierSession;
  batcher: Batcher;
  /** Whether it has run once (warm-up). */
  ready: boolean;
}

/** The models of one service, addressable by name, one of them the default. */
export class ModelSet {
  readonly byName = new Map<string, ServedModel>();
  readonly defaultName: string;
  #shuttingDown = false;

  constructor(
    sessions: ClassifierSession[],
    batching: Omit<BatcherOptions, "valuesPerItem" | "outputsPerItem">,
    metrics: ServeMetrics,
    defaultName?: string,
  ) {
    if (sessions.length === 0) throw new FerryError("usage", "Cannot serve: no model was given");
    for (const session of sessions) {
      const { name, inputSpec, classNames } = session.info;
      if (this.byName.has(name)) {
        throw new FerryError("usage", `Cannot serve two models named '${name}'`);
      }
      const batcher = new Batcher((x, n) => session.run(x, n), {
        ...batching,
        valuesPerItem: valuesPerImage(inputSpec),
        outputsPerItem: classNames.length,
      });
      batcher.onBatch = (event) => {
        metrics.batchSize.observe(event.size, { model: name });
        metrics.inference.observe(event.runMs / 1000, { model: name });
        for (const wait of event.waits) metrics.queueWait.observe(wait / 1000, { model: name });
      };
      this.byName.set(name, { name, session, batcher, ready: false });
    }
    metrics.onCollect(() => {
      for (const model of this.byName.values()) {
        metrics.queueDepth.set(model.batcher.queued, { model: model.name });
        metrics.modelReady.set(model.ready && !this.#shuttingDown ? 1 : 0, { model: model.name });
      }
    });
    this.defaultName = defaultName ?? sessions[0]!.info.name;
    if (!this.byName.has(this.defaultName)) {
      throw new FerryError(
        "not_found",
        `Cannot use default model '${this.defaultName}': serving ${
          [...this.byName.keys()].join(", ")
        }`,
      );
    }
  }

  /** The named model, or the default; `not_found` for an unknown name. */
  get(name?: string): ServedModel {
    const model = this.byName.get(name ?? this.defaultName);
    if (!model) {
      throw new FerryError(
        "not_found",
        `Cannot find model '${name}': serving ${[...this.byName.keys()].join(", ")}`,
      );
    }
    return model;
  }

  /** Whether a shutdown has begun: no model is ready from then on. */
  get draining(): boolean {
    return this.#shuttingDown;
  }

  /** Ready to serve: every model warmed up and no shutdown begun. */
  get ready(): boolean {
    return !this.#shuttingDown && [...this.byName.values()].every((m) => m.ready);
  }

  /**
   * Decodes the warm-up images and runs every model once on them, so that the first request
   * pays no start-up cost.
   */
  async warmUp(): Promise<void> {
    for (const model of this.byName.values()) {
      const spec = model.session.info.inputSpec;
      const inputs = await Promise.all(WARM_IMAGES.map((bytes) => preprocess(bytes, spec)));
      const batch = new Float32Array(inputs.length * valuesPerImage(spec));
      inputs.forEach((input, i) => batch.set(input, i * input.length));
      await model.session.run(batch, inputs.length);
      model.ready = true;
    }
  }

  /** Stops taking inputs and waits for queued ones to finish. */
  async drain(): Promise<void> {
    this.#shuttingDown = true;
    await Promise.all([...this.byName.values()].map((m) => m.batcher.close()));
  }
}
