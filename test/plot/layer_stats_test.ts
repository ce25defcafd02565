import { describe, expect, test } from "vitest";
import { layerStatsSvg, lineChartSvg, svgToPng } from "../../src/plot/mod.ts";
import { assertWellFormedXml } from "./_xml.ts";

const curves = {
  gradNorm: { conv2d_1: [2.2, 5.8], dense_1: [0.36, 0.56], dense_2: [0.41, 0.8] },
  updateRatio: { conv2d_1: [3.7e-3, 2.1e-3], dense_1: [6e-3, 4.5e-3], dense_2: [2.2e-3, 1.5e-3] },
};

/** The y coordinates of each polyline, in drawing order. */
const polylineYs = (svg: string) =>
  [...svg.matchAll(/<polyline points="([^"]+)"/g)].map((m) =>
    m[1]!.split(" ").map((p) => Number(p.split(",")[1]))
  );

describe("layerStatsSvg()", () => {
  test("draws a line per layer in both panels, a layer keeping its colour, with power-of-ten ticks", async () => {
    const svg = layerStatsSvg(curves);
    assertWellFormedXml(svg);
    for (const text of ["Gradient norm per layer", "Update-to-weight ratio per layer"]) {
      expect(svg).toContain(`>${text}</text>`);
    }
    for (const layer of Object.keys(curves.gradNorm)) {
      expect(svg.match(new RegExp(`>${layer}</text>`, "g"))).toHaveLength(2);
    }
    const colours = [...svg.matchAll(/<polyline [^>]*stroke="(#[0-9a-f]+)"/g)].map((m) => m[1]);
    expect(colours.slice(0, 3)).toEqual(colours.slice(3));
    expect(new Set(colours).size).toBe(3);
    // Both panels span two decades or less: ticks at 1, 2 and 5 times each power of ten.
    for (const tick of [">0.1<", ">0.2<", ">0.5<", ">1<", ">10<", ">0.001<", ">0.005<", ">0.01<"]) {
      expect(svg).toContain(tick);
    }
    expect((await svgToPng(svg)).length).toBeGreaterThan(1000);
  });

  test("spaces values by their logarithm: a tenfold step spans the same height anywhere", () => {
    const svg = lineChartSvg([{
      title: "t",
      yLabel: "y",
      yScale: "log",
      series: [{ name: "a", values: [1e-4, 1e-3, 1e-2] }],
    }]);
    const [ys] = polylineYs(svg);
    expect(ys![0]! - ys![1]!).toBeCloseTo(ys![1]! - ys![2]!, 1);
    expect(svg).toContain(">1e-4<");
  });

  test("leaves a gap where a value is zero, as a layer without gradient has on a log scale", () => {
    const svg = layerStatsSvg({
      gradNorm: { stuck: [0, 0, 0], learning: [0.3, 0.2, 0.1] },
      updateRatio: { stuck: [NaN, NaN, NaN], learning: [1e-2, 5e-3, 2e-3] },
    });
    assertWellFormedXml(svg);
    expect(polylineYs(svg)).toHaveLength(2); // only the learning layer, once per panel
    expect(svg.match(/>stuck<\/text>/g)).toHaveLength(2); // still named in both legends
  });

  test("widens the legend for long layer names and grows taller for many layers", () => {
    const many = Object.fromEntries(
      Array.from({ length: 17 }, (_, i) => [`batch_normalization_${i}`, [1, 0.5]]),
    );
    const svg = layerStatsSvg({ gradNorm: many, updateRatio: many });
    const [, width] = svg.match(/<rect x="[\d.]+" y="[\d.]+" width="(\d+)"[^>]*stroke="#cccccc"/)!;
    expect(Number(width)).toBeGreaterThan(44 + 7 * 20);
    const [, height] = svg.match(/^<svg [^>]*height="(\d+)"/)!;
    expect(Number(height)).toBeGreaterThan(17 * 18 + 100);
    expect(svg.match(/stroke-dasharray/g)!.length).toBeGreaterThan(0); // past ten: dashed
  });
});
