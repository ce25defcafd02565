import { describe, expect, test } from "vitest";
import { lineChartSvg, trainingCurvesSvg } from "../../src/plot/mod.ts";
import { assertWellFormedXml } from "./_xml.ts";

const history = {
  accuracy: [0.41, 0.55, 0.62, 0.66],
  val_accuracy: [0.48, 0.57, 0.6, 0.61],
  loss: [1.62, 1.25, 1.07, 0.96],
  val_loss: [1.44, 1.21, 1.13, 1.12],
};

describe("trainingCurvesSvg()", () => {
  test("draws the notebook's accuracy and loss panels, train against validation", () => {
    const svg = trainingCurvesSvg(history);
    assertWellFormedXml(svg);
    for (const text of ["Model accuracy", "Model loss", "Accuracy", "Loss", "Epoch"]) {
      expect(svg).toContain(`>${text}</text>`);
    }
    expect(svg.match(/>Train<\/text>/g)).toHaveLength(2);
    expect(svg.match(/>Validation<\/text>/g)).toHaveLength(2);
    const lines = [...svg.matchAll(/<polyline points="([^"]+)"/g)].map((m) => m[1]!.split(" "));
    expect(lines).toHaveLength(4);
    for (const points of lines) expect(points).toHaveLength(4);
  });

  test("puts a higher value higher on the panel", () => {
    const svg = trainingCurvesSvg({ accuracy: [0.2, 0.8], loss: [2, 1] });
    const [accuracy] = [...svg.matchAll(/<polyline points="([^"]+)"/g)].map((m) =>
      m[1]!.split(" ").map((p) => Number(p.split(",")[1]))
    );
    expect(accuracy![1]!).toBeLessThan(accuracy![0]!);
  });
});

describe("lineChartSvg()", () => {
  test("leaves a gap at a missing value, marks a lone point and escapes names", () => {
    const svg = lineChartSvg([{
      title: "lr <1e-3> & more",
      yLabel: "Validation accuracy",
      series: [{ name: "a&b", values: [0.1, 0.2, NaN, 0.4] }],
    }]);
    assertWellFormedXml(svg);
    expect(svg).toContain("lr &lt;1e-3&gt; &amp; more");
    expect(svg).toContain(">a&amp;b</text>");
    expect(svg.match(/<polyline /g)).toHaveLength(1);
    expect(svg.match(/<circle /g)).toHaveLength(1);
  });

  test("keeps the legend off the lines: out of the top right corner when the lines end there", () => {
    const legendAt = (values: number[]) => {
      const svg = lineChartSvg([{ title: "t", yLabel: "y", series: [{ name: "s", values }] }]);
      const [, x, y] = svg.match(/<rect x="([\d.]+)" y="([\d.]+)"[^>]*stroke="#cccccc"/)!;
      return { x: Number(x), y: Number(y) };
    };
    const falling = legendAt([1.6, 1.1, 0.9, 0.8, 0.75, 0.7]);
    const rising = legendAt([0.35, 0.6, 0.7, 0.74, 0.76, 0.77]);
    expect(falling.x).toBeGreaterThan(240);
    expect(falling.y).toBeLessThan(60);
    expect(rising.x > 240 && rising.y < 60).toBe(false);
  });

  test("sets one panel width per panel", () => {
    const panel = { title: "t", yLabel: "y", series: [{ name: "s", values: [1, 2] }] };
    const svg = lineChartSvg([panel, panel, panel], { panelWidth: 300, height: 200 });
    expect(svg).toMatch(/^<svg [^>]*width="900" height="200"/);
  });
});
