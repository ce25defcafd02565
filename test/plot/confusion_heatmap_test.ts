import sharp from "sharp";
import { describe, expect, test } from "vitest";
import { confusionMatrixSvg, svgToPng, writePlot } from "../../src/plot/mod.ts";
import { assertWellFormedXml } from "./_xml.ts";

const classNames = ["cat", "dog", "r&b <bird>"];
const matrix = [[50, 3, 0], [7, 41, 2], [0, 11, 1234]];

function svgSize(svg: string): { width: number; height: number } {
  const [, width, height] = svg.match(/^<svg [^>]*width="(\d+)" height="(\d+)"/)!;
  return { width: Number(width), height: Number(height) };
}

describe("confusionMatrixSvg()", () => {
  test("labels both axes with every class and prints every count", () => {
    const svg = confusionMatrixSvg(matrix, classNames);
    assertWellFormedXml(svg);
    for (const name of ["cat", "dog", "r&amp;b &lt;bird&gt;"]) {
      expect(svg.match(new RegExp(`>${name}</text>`, "g"))).toHaveLength(2);
    }
    for (const count of matrix.flat()) expect(svg).toContain(`>${count}</text>`);
    expect(svg).toContain(">True label</text>");
    expect(svg).toContain(">Predicted label</text>");
    expect(svg.match(/<rect x="\d+" y="\d+" width="44" height="44" fill="#/g)).toHaveLength(9);
  });

  test("colours the largest cell darkest and an empty cell white", () => {
    const svg = confusionMatrixSvg(matrix, classNames);
    expect(svg).toContain(
      `fill="#08306b"><title>r&amp;b &lt;bird&gt; → r&amp;b &lt;bird&gt;: 1234`,
    );
    expect(svg).toContain(`fill="#f7fbff"><title>cat → r&amp;b &lt;bird&gt;: 0`);
  });
  test("widens the image for a long title so that it is not cut off", () => {
    const title = "Confusion matrix: notebook_cnn on the CIFAR-10 test split";
    const narrow = svgSize(confusionMatrixSvg([[1, 0], [0, 1]], ["a", "b"]));
    const wide = svgSize(confusionMatrixSvg([[1, 0], [0, 1]], ["a", "b"], { title }));
    expect(wide.width).toBeGreaterThanOrEqual(title.length * 8.5 + 40);
    expect(narrow.width).toBeLessThan(wide.width);
  });
});

describe("svgToPng()", () => {
  test("renders a PNG of the SVG's size, and twice that at scale 2", async () => {
    const svg = confusionMatrixSvg(matrix, classNames);
    const { width, height } = svgSize(svg);
    const png = await svgToPng(svg);
    expect(await sharp(png).metadata()).toMatchObject({ format: "png", width, height });
    const double = await sharp(await svgToPng(svg, { scale: 2 })).metadata();
    expect([double.width, double.height]).toEqual([width * 2, height * 2]);
  });

  test("paints the darkest cell dark", async () => {
    const svg = confusionMatrixSvg([[0, 0], [0, 9]], ["a", "b"]);
    const { data, info } = await sharp(await svgToPng(svg)).removeAlpha().raw()
      .toBuffer({ resolveWithObject: true });
    const [x, y] = svg.match(/<rect x="(\d+)" y="(\d+)"[^>]*fill="#08306b"/)!.slice(1).map(Number);
    const at = ((y! + 3) * info.width + x! + 3) * 3; // a corner of the cell, away from its text
    expect([...data.subarray(at, at + 3)]).toEqual([8, 48, 107]);
  });

  test("rejects a scale that is not positive", async () => {
    await expect(svgToPng("<svg/>", { scale: 0 })).rejects.toThrow(/'scale' must be positive/);
  });
});

describe("writePlot()", () => {
  test("writes the SVG and the PNG side by side", async () => {
    const dir = await Deno.makeTempDir();
    try {
      const paths = await writePlot(`${dir}/confusion`, confusionMatrixSvg(matrix, classNames));
      expect(paths).toEqual({ svg: `${dir}/confusion.svg`, png: `${dir}/confusion.png` });
      expect(await Deno.readTextFile(paths.svg)).toMatch(/^<svg /);
      expect((await sharp(paths.png).metadata()).format).toBe("png");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});
