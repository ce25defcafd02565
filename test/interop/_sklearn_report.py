"""scikit-learn's side of test/interop/sklearn_report.ts.

Reads cases as JSON on stdin, writes scikit-learn's classification_report (text and dict),
confusion_matrix and UndefinedMetricWarning messages for each as JSON on stdout.
"""
import json
import math
import sys
import warnings

from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import classification_report, confusion_matrix


def plain(value):
    """JSON-safe: NaN becomes the string "nan" (JSON has no NaN)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return value


def zero_division(value):
    return float("nan") if value == "nan" else value


def main():
    cases = json.load(sys.stdin)
    results = []
    for case in cases:
        labels = list(range(len(case["classNames"])))
        kwargs = dict(
            labels=labels,
            target_names=case["classNames"],
            zero_division=zero_division(case["zeroDivision"]),
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            text = classification_report(
                case["yTrue"], case["yPred"], digits=case["digits"], **kwargs
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            report = classification_report(
                case["yTrue"], case["yPred"], output_dict=True, **kwargs
            )
        matrix = confusion_matrix(case["yTrue"], case["yPred"], labels=labels)
        messages = sorted(
            {str(w.message) for w in caught if issubclass(w.category, UndefinedMetricWarning)}
        )
        results.append(
            {
                "text": text,
                "report": plain(report),
                "confusionMatrix": matrix.tolist(),
                "warnings": messages,
            }
        )
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
