/**
 * The web page at `/`: drop or pick images, see each with its top-3 classes as bars. Everything
 * is inline (no CDN, no fonts, no external script), so it works with the network cut.
 *
 * @module
 */

const STYLE = `
body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 46rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; }
#drop { border: 2px dashed #888; border-radius: 10px; padding: 2rem; text-align: center; cursor: pointer; }
#drop.over { background: #eef4ff; border-color: #3367d6; }
#token-row { margin: .75rem 0; display: none; }
.result { display: flex; gap: 1rem; align-items: center; border-bottom: 1px solid #ddd; padding: .75rem 0; }
.result img { width: 96px; height: 96px; object-fit: contain; image-rendering: pixelated; background: #f4f4f4; }
.bars { flex: 1; }
.bar { display: flex; align-items: center; gap: .5rem; margin: .2rem 0; }
.bar .name { width: 7rem; }
.bar .track { flex: 1; background: #eee; height: .9rem; border-radius: 3px; }
.bar .fill { background: #3367d6; height: 100%; border-radius: 3px; }
.bar .pct { width: 4rem; text-align: right; font-variant-numeric: tabular-nums; }
.error { color: #b00020; }
#cards:empty { display: none; }
#cards { margin: .5rem 0 1rem; color: #555; }
#cards a { margin-left: .5rem; }
`;

const SCRIPT = `
const drop = document.getElementById("drop");
const input = document.getElementById("file");
const results = document.getElementById("results");
const tokenRow = document.getElementById("token-row");
const tokenInput = document.getElementById("token");
tokenInput.value = localStorage.getItem("ferry-token") || "";
tokenInput.addEventListener("change", () => localStorage.setItem("ferry-token", tokenInput.value));

drop.addEventListener("click", () => input.click());
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  classify([...e.dataTransfer.files]);
});
input.addEventListener("change", () => { classify([...input.files]); input.value = ""; });

// A link to each served model's card, for the models that have one.
async function listCards() {
  const headers = tokenInput.value ? { authorization: "Bearer " + tokenInput.value } : {};
  const response = await fetch("v1/models", { headers });
  if (!response.ok) return;
  const cards = document.getElementById("cards");
  for (const model of (await response.json()).models) {
    const href = "models/" + encodeURIComponent(model.name) + "/card";
    if (!(await fetch(href, { method: "HEAD", headers })).ok) continue;
    if (!cards.firstChild) cards.append("Model cards:");
    const link = el("a", "card", model.name);
    link.href = href;
    cards.append(link);
  }
}
listCards();

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

async function classify(files) {
  for (const file of files) {
    const row = el("div", "result");
    const img = el("img");
    img.src = URL.createObjectURL(file);
    img.alt = file.name;
    const bars = el("div", "bars");
    bars.append(el("div", "file", file.name));
    row.append(img, bars);
    results.prepend(row);
    const form = new FormData();
    form.append("image", file);
    const headers = tokenInput.value ? { authorization: "Bearer " + tokenInput.value } : {};
    try {
      const response = await fetch("v1/classify", { method: "POST", body: form, headers });
      const body = await response.json();
      if (response.status === 401) tokenRow.style.display = "block";
      if (!response.ok) throw new Error(body.error || response.statusText);
      const p = body.predictions[0];
      row.dataset.label = p.label;
      for (const t of p.top_k) {
        const bar = el("div", "bar");
        const track = el("div", "track");
        const fill = el("div", "fill");
        fill.style.width = (t.probability * 100).toFixed(1) + "%";
        track.append(fill);
        bar.append(el("span", "name", t.label), track, el("span", "pct", (t.probability * 100).toFixed(1) + "%"));
        bars.append(bar);
      }
    } catch (error) {
      bars.append(el("div", "error", String(error.message || error)));
    }
  }
}
`;

/** The page's HTML, served as is. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ferry: classify images</title>
<style>${STYLE}</style>
</head>
<body>
<h1>ferry: classify images</h1>
<nav id="cards"></nav>
<div id="drop" role="button" tabindex="0">Drop images here, or click to pick them</div>
<input id="file" type="file" accept="image/*" multiple hidden>
<div id="token-row"><label>Bearer token <input id="token" type="password"></label></div>
<div id="results"></div>
<script>${SCRIPT}</script>
</body>
</html>
`;
