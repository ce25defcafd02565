import type * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { createBatches, type ImageDataset } from "../data/mod.ts";
import {
  classificationReport,
  classificationReportDict,
  confusionMatrix,
  formatClassificationReport,
  type SplitMetrics,
} from "../metrics/mod.ts";
import { writeFileAtomic } from "../files/mod.ts";
import { confusionMatrixSvg, layerStatsSvg, trainingCurvesSvg, writePlot } from "../plot/mod.ts";
import type { Reporter } from "../progress/mod.ts";
import { evaluateBatches } from "./_step.ts";
import { inputSpecOf } from "./_spec.ts";
import { RUN_FILES, writeJson } from "./_outputs.ts";
import type { TrainConfig } from "./config.ts";
import { type EpochLog, historyColumns, layerColumns } from "./history.ts";

export type { SplitMetrics };

function evaluateSplit(
  model: tf.LayersModel,
  config: TrainConfig,
  dataset: ImageDataset,
): { metrics: SplitMetrics; text: string } {
  const batches = createBatches(dataset, {
    batchSize: 256,
    shuffle: false,
    spec: inputSpecOf(dataset),
  });
  const totals = evaluateBatches(model, config.loss, batches);
  const classNames = dataset.classNames;
  const report = classificationReport(totals.labels, totals.predictions, { classNames });
  return {
    metrics: {
      images: totals.samples,
      loss: totals.lossSum / totals.samples,
      accuracy: totals.correct / totals.samples,
      report: classificationReportDict(report),
      confusionMatrix: confusionMatrix(totals.labels, totals.predictions, classNames.length),
    },
    text: formatClassificationReport(report, 4),
  };
}

/**
 * Evaluates the final model once on the validation part (and the test folder, if given), and
 * writes `metrics.json`, `report.txt`, the training curves, the per-layer gradient norms and
 * update ratios (when the history has them) and the confusion heatmaps.
 */
export async function evaluateRun(
  model: tf.LayersModel,
  runDir: string,
  config: TrainConfig,
  data: { validation: ImageDataset; test?: ImageDataset | undefined },
  history: EpochLog[],
  reporter: Reporter,
): Promise<{ validation: SplitMetrics; test?: SplitMetrics }> {
  const validation = evaluateSplit(model, config, data.validation);
  const test = data.test ? evaluateSplit(model, config, data.test) : undefined;
  const classNames = data.validation.classNames;
  await writeJson(join(runDir, RUN_FILES.metrics), {
    validation: validation.metrics,
    ...(test ? { test: test.metrics } : {}),
  });
  const sections = [`Validation (${validation.metrics.images} images)\n\n${validation.text}`];
  if (test) sections.push(`Test (${test.metrics.images} images)\n\n${test.text}`);
  await writeFileAtomic(join(runDir, RUN_FILES.report), sections.join("\n\n"));
  const columns = historyColumns(history);
  await writePlot(
    join(runDir, "curves"),
    trainingCurvesSvg({
      accuracy: columns.accuracy!,
      loss: columns.loss!,
      val_accuracy: columns.val_accuracy!,
      val_loss: columns.val_loss!,
    }),
  );
  const gradNorm = layerColumns(history, "grad_norm");
  const updateRatio = layerColumns(history, "update_ratio");
  if (gradNorm && updateRatio) {
    await writePlot(join(runDir, "layer_stats"), layerStatsSvg({ gradNorm, updateRatio }));
  }
  await writePlot(
    join(runDir, "confusion_validation"),
    confusionMatrixSvg(validation.metrics.confusionMatrix, classNames),
  );
  if (test) {
    await writePlot(
      join(runDir, "confusion_test"),
      confusionMatrixSvg(test.metrics.confusionMatrix, classNames),
    );
  }
  reporter.info(
    `Validation: accuracy ${validation.metrics.accuracy.toFixed(4)}, loss ${
      validation.metrics.loss.toFixed(4)
    }` + (test ? `; test: accuracy ${test.metrics.accuracy.toFixed(4)}` : ""),
  );
  return { validation: validation.metrics, ...(test ? { test: test.metrics } : {}) };
}
