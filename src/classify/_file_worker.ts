/**
 * The thread behind each copy of {@linkcode openClassifyModel}: a model session, plus the job
 * that reads, decodes and classifies a whole batch of files where the model runs, so that the
 * caller's thread never touches their bytes or pixels.
 *
 * @module
 */
import { valuesPerImage } from "../image/mod.ts";
import { serveClassifier } from "../runtime/mod.ts";
import { withTransfer } from "../workers/mod.ts";
import { classifyFilesHere, type FileBatchOptions, type FileJob } from "./file_batch.ts";

/** The model input of file batches, reused: this thread runs one batch at a time. */
let scratch = new Float32Array(0);

serveClassifier({
  async files(session, { jobs, options }: { jobs: FileJob[]; options: FileBatchOptions }) {
    const needed = jobs.length * valuesPerImage(session.info.inputSpec);
    if (scratch.length < needed) scratch = new Float32Array(needed);
    const batch = await classifyFilesHere(session, jobs, options, scratch);
    return withTransfer(batch, [batch.probabilities.buffer]);
  },
});
