/**
 * Interop check: ferry's classification report (text and dict), confusion matrix and warnings
 * against scikit-learn's on the same labels and predictions, compared exactly (text to the
 * character, floats bit for bit). Needs `python3` with scikit-learn; run by `deno task test:interop`.
 *
 * Cases: 2 to 150 classes (150 exercises numpy's pairwise summation in blocks), 1 to 10,000
 * samples, classes never predicted and never true, long and non-ASCII names, digits 0 to 15,
 * every zero_division setting.
 *
 * @module
 */
import { createRng } from "../../src/data/mod.ts";
import {
  classificationReport,
  classificationReportDict,
  confusionMatrix,
  formatClassificationReport,
  type ZeroDivision,
} from "../../src/metrics/mod.ts";
import { PYTHON, runPythonJson } from "./_python.ts";

interface Case {
  yTrue: number[];
  yPred: number[];
  classNames: string[];
  digits: number;
  zeroDivision: ZeroDivision;
}

interface Result {
  text: string;
  report: unknown;
  confusionMatrix: number[][];
  warnings: string[];
}

const NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship"];
const ODD_NAMES = ["chat noir", "çà et là", "日本の猫", "🐱 cat", "a much longer class name here"];
const ZERO_DIVISIONS: ZeroDivision[] = ["warn", 0, 1, "nan"];
const DIGITS = [0, 1, 2, 3, 4, 7, 12, 15];

function makeCases(): Case[] {
  const rng = createRng(20261125);
  const cases: Case[] = [];
  let index = 0;
  for (const classes of [2, 3, 5, 9, 10, 13, 150]) {
    for (const samples of [1, 7, 100, 1_000, 10_000]) {
      for (const noise of [0, 0.1, 0.45, 0.9]) {
        const names = Array.from(
          { length: classes },
          (_, c) =>
            classes === 5 ? ODD_NAMES[c]! : classes <= NAMES.length ? NAMES[c]! : `class_${c}`,
        );
        // Class 0 is never predicted and the last class never true, when there is room.
        const yTrue = Array.from({ length: samples }, () => rng.int(Math.max(1, classes - 1)));
        const yPred = yTrue.map((y) => {
          const p = rng.next() < noise ? rng.int(classes) : y;
          return p === 0 && classes > 2 ? 1 : p;
        });
        cases.push({
          yTrue,
          yPred,
          classNames: names,
          digits: DIGITS[index % DIGITS.length]!,
          zeroDivision: ZERO_DIVISIONS[index % ZERO_DIVISIONS.length]!,
        });
        index++;
      }
    }
  }
  return cases;
}

function ferry(c: Case): Result {
  const report = classificationReport(c.yTrue, c.yPred, c);
  return {
    text: formatClassificationReport(report, c.digits),
    report: JSON.parse(
      JSON.stringify(classificationReportDict(report), (_, v) => Number.isNaN(v) ? "nan" : v),
    ),
    confusionMatrix: confusionMatrix(c.yTrue, c.yPred, c.classNames.length),
    warnings: [...new Set(report.warnings)].sort(),
  };
}

// scikit-learn's import name differs from its pip name, so this installs it itself.
async function ensureScikitLearn(): Promise<void> {
  const python = (args: string[], stderr: "null" | "inherit" = "inherit") =>
    new Deno.Command(PYTHON, { args, stdout: "null", stderr }).output();
  if ((await python(["-c", "import sklearn"], "null")).code === 0) return;
  console.log("Installing scikit-learn with pip");
  const { code } = await python(["-m", "pip", "install", "-q", "--retries", "0", "scikit-learn"]);
  if (code !== 0) throw new Error("pip install scikit-learn failed");
}

async function sklearn(cases: Case[]): Promise<Result[]> {
  const script = new URL("./_sklearn_report.py", import.meta.url).pathname;
  const { code, stdout } = await runPythonJson(script, cases);
  if (code !== 0) {
    throw new Error(
      `python3 ${script} exited with ${code}; it needs scikit-learn ` +
        "(pip install --retries 0 scikit-learn)",
    );
  }
  return JSON.parse(stdout);
}

function firstDifference(a: unknown, b: unknown, path = ""): string | undefined {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b)) {
    return `${path}: ferry ${JSON.stringify(a)}, scikit-learn ${JSON.stringify(b)}`;
  }
  if (a !== null && typeof a === "object") {
    const keysA = Object.keys(a as object), keysB = Object.keys(b as object);
    if (keysA.join("\u0000") !== keysB.join("\u0000")) {
      return `${path}: keys ${JSON.stringify(keysA)} vs ${JSON.stringify(keysB)}`;
    }
    for (const key of keysA) {
      const d = firstDifference(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
      if (d) return d;
    }
    return undefined;
  }
  // Numbers compare exactly: JSON carries each float64 by its shortest round-trip text.
  return a === b ? undefined : `${path}: ferry ${String(a)}, scikit-learn ${String(b)}`;
}

await ensureScikitLearn();
const cases = makeCases();
const theirs = await sklearn(cases);
const failures: string[] = [];
cases.forEach((c, i) => {
  const difference = firstDifference(ferry(c), theirs[i]);
  if (difference) {
    failures.push(
      `case ${i} (${c.classNames.length} classes, ${c.yTrue.length} samples, digits ${c.digits}, ` +
        `zero_division ${c.zeroDivision}): ${difference}`,
    );
  }
});
console.log(
  `scikit-learn interop: ${cases.length - failures.length} of ${cases.length} cases identical ` +
    "(report text, report dict, confusion matrix, warnings)",
);
for (const failure of failures) console.log(`  FAIL ${failure}`);
Deno.exit(failures.length === 0 ? 0 : 1);
