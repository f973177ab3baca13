/// The page of `digits serve`: one document with its styles and script, nothing fetched from elsewhere.
///
/// Two views: "Draw" (a pad wide enough for a number, for mouse, pen or touch; after each stroke the picture goes to
/// /api/predict as a PNG and the number comes back, each digit with its ten scores and the 28×28 the network saw)
/// and "Model" (from /api/model and /api/report: the validation curve, or without one the learning rate, as SVG,
/// the confusion matrix as a heat map, the misclassified test digits, and what the first layer looks for: its
/// kernels, or each hidden neuron's weights as a 28×28 picture). Under the answer, "Inside the network" shows what
/// each level made of the chosen digit: feature maps after each convolution and pooling, a dense layer's neurons as
/// a strip. Elements the browser test reads carry ids: #pad, #clear, #digit (the number), #digits (a figure per
/// digit), #result[data-pending], #levels (a row per level), #kernels, #curve-title, #report-view.
enum Page {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>digits</title>
<style>
  :root { --ink: #1d2430; --muted: #6b7280; --line: #e5e7eb; --accent: #2563eb; --bad: #dc2626; --bg: #f7f7f5; }
  * { box-sizing: border-box; }
  [hidden] { display: none !important; }
  body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
  header { display: flex; align-items: center; gap: 1.5rem; padding: 0.75rem 1.25rem; background: #fff; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
  header h1 { font-size: 1.25rem; margin: 0; letter-spacing: 0.02em; }
  header .model { color: var(--muted); font-size: 0.85rem; margin-left: auto; }
  nav button { font: inherit; border: 0; background: none; padding: 0.35rem 0.8rem; border-radius: 999px; cursor: pointer; color: var(--muted); }
  nav button[aria-selected="true"] { background: var(--ink); color: #fff; }
  main { max-width: 960px; margin: 0 auto; padding: 1.25rem; }
  .draw { display: flex; flex-direction: column; gap: 1.25rem; align-items: center; }
  .pad-column { display: flex; flex-direction: column; gap: 0.75rem; align-items: stretch; width: min(100%, 720px); }
  /* The canvas keeps the proportions of its width and height attributes (see fitPad). */
  #pad { width: 100%; height: auto; display: block; background: #fff; border: 1px solid var(--line); border-radius: 12px; touch-action: none; cursor: crosshair; box-shadow: 0 1px 3px rgba(0,0,0,0.06); }
  #pad.dragging { outline: 3px dashed var(--accent); }
  .buttons { display: flex; gap: 0.5rem; }
  .buttons button, .buttons label { flex: 1; font: inherit; text-align: center; padding: 0.55rem; border-radius: 8px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
  .buttons button:hover, .buttons label:hover { border-color: var(--ink); }
  .buttons input { display: none; }
  /* The camera is offered where the pointer is a finger, as on a phone; elsewhere "Choose a picture" is enough. */
  .buttons .camera { display: none; }
  @media (pointer: coarse) { .buttons .camera { display: block; } }
  .hint { color: var(--muted); font-size: 0.85rem; margin: 0; text-align: center; }
  .result { width: min(100%, 720px); display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem 2rem; align-items: start; }
  .result > .wide { grid-column: 1 / -1; }
  @media (max-width: 600px) { .result { grid-template-columns: minmax(0, 1fr); } }
  .answer { display: flex; align-items: baseline; gap: 0.75rem; flex-wrap: wrap; }
  #digit { font-size: 5rem; font-weight: 700; line-height: 1; min-width: 1ch; letter-spacing: 0.05em; overflow-wrap: anywhere; }
  #confidence { color: var(--muted); }
  #digits { display: flex; gap: 0.5rem; flex-wrap: wrap; margin: 0; }
  #digits figure { margin: 0; padding: 0.3rem 0.3rem 0.2rem; border: 2px solid var(--line); border-radius: 8px; background: #fff; text-align: center; cursor: pointer; font-variant-numeric: tabular-nums; }
  #digits figure[aria-selected="true"] { border-color: var(--accent); }
  #digits canvas { display: block; width: 56px; height: 56px; image-rendering: pixelated; }
  #digits b { display: block; font-size: 1.2rem; line-height: 1.2; }
  #digits small { color: var(--muted); }
  .scores { display: grid; grid-template-columns: 1.2rem 1fr 3.2rem; gap: 0.25rem 0.5rem; align-items: center; font-variant-numeric: tabular-nums; font-size: 0.9rem; }
  .bar { height: 0.8rem; background: var(--line); border-radius: 4px; overflow: hidden; }
  .bar span { display: block; height: 100%; width: 0; background: var(--muted); transition: width 0.15s; }
  .bar.top span { background: var(--accent); }
  .seen { display: flex; gap: 0.75rem; align-items: center; color: var(--muted); font-size: 0.85rem; margin: 0; }
  #input28 { width: 112px; height: 112px; image-rendering: pixelated; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
  #error { color: var(--bad); min-height: 1.5em; margin: 0; }
  h2 { font-size: 1.05rem; margin: 1.75rem 0 0.5rem; }
  .summary { color: var(--muted); font-size: 0.9rem; }
  #curve { width: 100%; height: auto; background: #fff; border: 1px solid var(--line); border-radius: 10px; }
  #curve text { font: 12px system-ui, sans-serif; fill: var(--muted); }
  .matrix-wrap { overflow-x: auto; }
  #confusion { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 0.8rem; background: #fff; }
  #confusion th, #confusion td { width: 2.7rem; height: 2.1rem; text-align: center; border: 1px solid #fff; }
  #confusion th { color: var(--muted); font-weight: 600; }
  #kept { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 0.85rem; }
  #kept th, #kept td { padding: 0.2rem 0.8rem; text-align: right; border-bottom: 1px solid #eee; }
  #kept th { color: var(--muted); font-weight: 600; }
  #gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(64px, 1fr)); gap: 0.5rem; }
  #gallery figure { margin: 0; text-align: center; font-size: 0.75rem; color: var(--muted); }
  #gallery canvas { width: 56px; height: 56px; image-rendering: pixelated; border-radius: 4px; border: 1px solid var(--line); background: #fff; }
  #gallery b { color: var(--bad); }
  /* Pictures of weights and activations: blue negative, white zero, dark positive (kernels); white to ink (maps). */
  .pictures { display: flex; flex-wrap: wrap; gap: 3px; }
  .pictures canvas { image-rendering: pixelated; border: 1px solid var(--line); background: #fff; }
  #levels { display: flex; flex-direction: column; gap: 0.6rem; }
  #levels .level { display: grid; grid-template-columns: 4.5rem minmax(0, 1fr); gap: 0.5rem; align-items: start; }
  #levels .level > span { color: var(--muted); font-size: 0.8rem; font-variant-numeric: tabular-nums; }
  @media (max-width: 600px) { main { padding: 0.75rem; } #digit { font-size: 3.5rem; } header .model { margin-left: 0; width: 100%; } }
</style>
</head>
<body>
<header>
  <h1>digits</h1>
  <nav role="tablist">
    <button id="show-draw" role="tab" aria-selected="true">Draw</button>
    <button id="show-report" role="tab" aria-selected="false">Model</button>
  </nav>
  <span class="model" id="model-name"></span>
</header>
<main>
  <section id="draw-view" class="draw">
    <div class="pad-column">
      <canvas id="pad" width="720" height="288" aria-label="drawing area"></canvas>
      <div class="buttons">
        <button id="clear" type="button">Clear</button>
        <label>Choose a picture<input id="file" type="file" accept="image/png,image/jpeg"></label>
        <label class="camera">Take a photo<input id="camera" type="file" accept="image/*" capture="environment"></label>
      </div>
      <p class="hint">Write a digit or a number, big, with the mouse, a pen or a finger (on a phone, turn it sideways
        for room); or drop a PNG or JPEG on the pad.</p>
    </div>
    <div class="result" id="result" data-pending="0" data-answers="0">
      <div class="answer wide"><span id="digit">–</span><span id="confidence">write a digit or a number</span></div>
      <div class="wide" id="digits" role="listbox" aria-label="the digits read, left to right"></div>
      <div class="scores" id="scores"></div>
      <p class="seen"><canvas id="input28" width="28" height="28"></canvas><span id="seen-text">the 28×28 picture the network saw: the ink found, scaled into 20×20 and centred by mass, as MNIST's digits were made</span></p>
      <p id="error" class="wide" role="alert"></p>
      <details class="wide" id="inside" open>
        <summary>Inside the network: what each layer made of this digit</summary>
        <div id="levels"></div>
      </details>
    </div>
  </section>
  <section id="report-view" hidden>
    <p class="summary" id="summary">loading…</p>
    <h2 id="curve-title">Validation accuracy per epoch</h2>
    <svg id="curve" viewBox="0 0 640 280" role="img" aria-label="validation accuracy per epoch"></svg>
    <h2>Confusion matrix on the test set <span class="summary">(rows: true digit, columns: answer)</span></h2>
    <div class="matrix-wrap"><table id="confusion"></table></div>
    <h2>Kept when unsure answers are set aside <span class="summary">(confidence: the best score's share of all ten)</span></h2>
    <table id="kept"></table>
    <h2>Test digits it gets wrong <span class="summary" id="miss-count"></span></h2>
    <div id="gallery"></div>
    <h2>What the first layer looks for <span class="summary" id="kernels-note"></span></h2>
    <div id="kernels" class="pictures"></div>
  </section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const pad = $("pad"), ctx = pad.getContext("2d");
const result = $("result");
let drawing = false, sequence = 0;

// The pad is wide, for a number, where the screen is (a computer, a phone held sideways); on a phone held upright,
// where a wide pad would be a thin strip, it is 3:2. Turning the screen clears it.
function fitPad() {
  const [width, height] = window.innerWidth < window.innerHeight && window.innerWidth < 600 ? [480, 320] : [720, 288];
  if (pad.width === width && pad.height === height) return;
  pad.width = width;
  pad.height = height;
  clearPad();
}
window.addEventListener("resize", fitPad);

function clearPad() {
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, pad.width, pad.height);
  $("digit").textContent = "–";
  $("confidence").textContent = "write a digit or a number";
  $("error").textContent = "";
  $("digits").replaceChildren();
  showScores(null);
  $("input28").getContext("2d").clearRect(0, 0, 28, 28);
  $("levels").replaceChildren();
}

function point(event) {
  const box = pad.getBoundingClientRect();
  return [(event.clientX - box.left) * pad.width / box.width, (event.clientY - box.top) * pad.height / box.height];
}

pad.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  drawing = true;
  ctx.strokeStyle = "#111";
  ctx.lineWidth = pad.height * 0.065;
  ctx.lineCap = ctx.lineJoin = "round";
  const [x, y] = point(event);
  ctx.beginPath();
  ctx.moveTo(x, y);
  ctx.lineTo(x + 0.01, y);
  ctx.stroke();
});
pad.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  for (const e of event.getCoalescedEvents ? event.getCoalescedEvents() : [event]) {
    const [x, y] = point(e);
    ctx.lineTo(x, y);
  }
  ctx.stroke();
});
function endStroke() {
  if (!drawing) return;
  drawing = false;
  pad.toBlob((blob) => send(blob), "image/png");
}
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);
$("clear").addEventListener("click", clearPad);

async function send(blob) {
  const mine = ++sequence;
  result.dataset.pending = String(Number(result.dataset.pending) + 1);
  try {
    // The server tells a PNG from a JPEG by its bytes; the type says what the blob or file says it is.
    const response = await fetch("/api/predict", { method: "POST", headers: { "Content-Type": blob.type || "application/octet-stream" }, body: blob });
    // An answer without a JSON body (a proxy's, or the server's own after its time limit) is an error by its status.
    const answer = await response.json().catch(() => ({}));
    if (mine !== sequence) return;  // a later stroke's answer is on its way
    if (!response.ok) {
      $("error").textContent = answer.error || ("error " + response.status);
      $("digit").textContent = "?";
      $("confidence").textContent = "";
      $("digits").replaceChildren();
      showScores(null);
      return;
    }
    $("error").textContent = "";
    show(answer);
  } catch (error) {
    $("error").textContent = "the server did not answer: " + error;
  } finally {
    result.dataset.pending = String(Number(result.dataset.pending) - 1);
    result.dataset.answers = String(Number(result.dataset.answers) + 1);
  }
}

function show(answer) {
  // The number; then a figure per digit (its 28×28, its reading and score), left to right; the ten scores and the
  // enlarged 28×28 are those of the digit chosen among them, at first the one read least surely.
  $("digit").textContent = answer.number;
  const many = answer.digits.length > 1;
  $("confidence").textContent = (many ? answer.digits.length + " digits, scores " : "score ")
    + answer.digits.map((d) => d.scores[d.digit].toFixed(3)).join(", ");
  const figures = answer.digits.map((d, i) => {
    const figure = document.createElement("figure");
    figure.setAttribute("role", "option");
    figure.title = "digit " + (i + 1) + " of " + answer.digits.length + ": read as " + d.digit;
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 28;
    paint28(canvas, d.input28);
    const reading = document.createElement("b");
    reading.textContent = d.digit;
    const score = document.createElement("small");
    score.textContent = d.scores[d.digit].toFixed(3);
    figure.append(canvas, reading, score);
    figure.addEventListener("click", () => choose(i));
    return figure;
  });
  $("digits").replaceChildren(...figures);
  function choose(i) {
    figures.forEach((f, j) => f.setAttribute("aria-selected", String(i === j)));
    const d = answer.digits[i];
    showScores(d.scores, d.digit);
    paint28($("input28"), d.input28);
    showLevels(d.levels || []);
    $("seen-text").textContent = (many ? "digit " + (i + 1) + " of " + answer.digits.length + " as the network saw it"
      : "the 28×28 picture the network saw") + ": the ink found, scaled into 20×20 and centred by mass, as MNIST's digits were made";
  }
  const surest = (d) => d.scores[d.digit];
  choose(answer.digits.reduce((least, d, i) => surest(d) < surest(answer.digits[least]) ? i : least, 0));
}

// Canvases for `count` pictures of height × width values (one level, or the kernels), each scaled to about
// `size` pixels on its longer side; `signed` paints negative blue and positive dark, else 0 white to the largest ink.
function pictures(level, size, signed) {
  const { count, height, width, values } = level;
  const per = height * width;
  // A strip of neurons (height 1) gets up to 24 pixels a neuron, within 640.
  const scale = height === 1 ? Math.max(1, Math.min(24, Math.floor(640 / width))) : Math.max(1, Math.floor(size / Math.max(height, width)));
  return Array.from({ length: count }, (_, k) => {
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    canvas.style.width = Math.min(width * scale, 640) + "px";
    canvas.style.height = height * scale + "px";
    const part = values.slice(k * per, (k + 1) * per);
    const largest = Math.max(1e-12, ...part.map(Math.abs));
    const c = canvas.getContext("2d");
    const image = c.createImageData(width, height);
    part.forEach((v, i) => {
      const t = Math.min(1, Math.abs(v) / largest);
      const [r, g, b] = signed && v < 0 ? [255 - 200 * t, 255 - 120 * t, 255] : [255 - 230 * t, 255 - 220 * t, 255 - 200 * t];
      image.data.set([r, g, b, 255], 4 * i);
    });
    c.putImageData(image, 0, 0);
    return canvas;
  });
}

function showLevels(levels) {
  $("levels").replaceChildren(...levels.map((level) => {
    const row = document.createElement("div");
    row.className = "level";
    const name = document.createElement("span");
    name.textContent = level.name + (level.count > 1 ? " · " + level.count + "×" + level.height + "×" + level.width : " · " + level.width);
    const maps = document.createElement("div");
    maps.className = "pictures";
    maps.append(...pictures(level, level.height > 1 ? 48 : 8, false));
    row.append(name, maps);
    return row;
  }));
}

function paint28(canvas, pixels) {
  const c = canvas.getContext("2d");
  const image = c.createImageData(28, 28);
  pixels.forEach((v, i) => {
    image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = 255 - v;
    image.data[4 * i + 3] = 255;
  });
  c.putImageData(image, 0, 0);
}

function showScores(scores, best) {
  const box = $("scores");
  box.replaceChildren();
  for (let d = 0; d < 10; d++) {
    const label = document.createElement("span");
    label.textContent = d;
    const bar = document.createElement("div");
    bar.className = "bar" + (d === best ? " top" : "");
    const fill = document.createElement("span");
    fill.style.width = scores ? (Math.max(0, Math.min(1, scores[d])) * 100).toFixed(1) + "%" : "0";
    bar.append(fill);
    const value = document.createElement("span");
    value.textContent = scores ? scores[d].toFixed(3) : "";
    box.append(label, bar, value);
  }
}

for (const id of ["file", "camera"]) {
  $(id).addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (file) sendFile(file);
    event.target.value = "";
  });
}
function sendFile(file) {
  const reader = new FileReader();
  reader.onload = () => {
    const image = new Image();
    image.onload = () => {
      // Show the picture on the pad, then send the file itself: the server prepares it as `digits predict` does.
      clearPad();
      const scale = Math.min(pad.width / image.width, pad.height / image.height);
      const w = image.width * scale, h = image.height * scale;
      ctx.drawImage(image, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
    };
    image.src = reader.result;
  };
  reader.readAsDataURL(file);
  send(file);
}
for (const name of ["dragenter", "dragover"]) {
  document.addEventListener(name, (event) => { event.preventDefault(); pad.classList.add("dragging"); });
}
document.addEventListener("dragleave", () => pad.classList.remove("dragging"));
document.addEventListener("drop", (event) => {
  event.preventDefault();
  pad.classList.remove("dragging");
  const file = event.dataTransfer.files[0];
  if (file) sendFile(file);
});

// Views
function showView(name) {
  const report = name === "report";
  $("draw-view").hidden = report;
  $("report-view").hidden = !report;
  $("show-draw").setAttribute("aria-selected", String(!report));
  $("show-report").setAttribute("aria-selected", String(report));
  if (report) loadReport();
}
$("show-draw").addEventListener("click", () => { location.hash = ""; showView("draw"); });
$("show-report").addEventListener("click", () => { location.hash = "report"; showView("report"); });

let reportLoaded = false;
async function loadReport() {
  if (reportLoaded) return;
  reportLoaded = true;
  try {
    const [model, report] = await Promise.all([fetch("/api/model").then((r) => r.json()), fetch("/api/report").then((r) => r.json())]);
    const s = model.settings;
    const committee = model.members ? "a committee of " + model.members.length + " (" + model.members.map((m) => m.path + ": " +
      m.architecture + (m.testAccuracy != null ? ", " + (100 * m.testAccuracy).toFixed(2) + "%" : "")).join("; ") +
      "), their scores averaged; the first: " : "";
    $("summary").textContent = committee + model.path + ": " + model.architecture + ", " + s.hidden + " hidden, " + s.output +
      " outputs, " + s.cost + " cost; weights of epoch " + model.bestEpoch + " of " + model.epochsRun + "; test accuracy " +
      (report.error ? "–" : (100 * report.accuracy).toFixed(2) + "% (" + report.correct + "/" + report.total + ")");
    drawCurve(model);
    const k = model.kernels;
    $("kernels-note").textContent = k.height * k.width === 784 ? "(the weights into each of the first " + k.count +
      " hidden neurons, as 28×28 pictures; blue negative)" : "(" + k.count + " kernels of " + k.height + "×" + k.width + "; blue negative)";
    $("kernels").replaceChildren(...pictures(k, k.height * k.width === 784 ? 56 : 40, true));
    if (report.error) { $("miss-count").textContent = report.error; return; }
    drawMatrix(report.confusion);
    drawKept(report);
    drawGallery(report);
  } catch (error) {
    $("summary").textContent = "could not load the report: " + error;
    reportLoaded = false;
  }
}

const svgNS = "http://www.w3.org/2000/svg";
function svg(name, attributes, text) {
  const element = document.createElementNS(svgNS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}
// The validation accuracy after each epoch, the kept epoch marked; for a model trained without a validation set,
// the learning rate of each epoch instead (on a log scale: each halving one step down).
function drawCurve(model) {
  const curve = $("curve");
  curve.replaceChildren();
  const values = model.validationAccuracy;
  if (values.length === 0) {
    $("curve-title").textContent = "Learning rate per epoch";
    curve.setAttribute("aria-label", "learning rate per epoch");
    const rates = model.learningRates;
    const note = "no validation set: trained on all " + model.trainingImages.toLocaleString("en") + " images, "
      + (rates.length > 1 ? "the last epoch kept" : "nothing to draw");
    if (rates.length > 1) {
      const logs = rates.map(Math.log2);
      drawLine(curve, logs, Math.min(...logs) - 0.5, Math.max(...logs) + 0.5, (v) => (2 ** v).toPrecision(2),
        [...new Set(logs)]);
    }
    curve.append(svg("text", { x: 60, y: 12 }, note));
    return;
  }
  $("curve-title").textContent = "Validation accuracy per epoch";
  curve.setAttribute("aria-label", "validation accuracy per epoch");
  const low = Math.max(0, Math.floor(Math.min(...values) * 100 - 0.5) / 100), high = Math.min(1, Math.ceil(Math.max(...values) * 100 + 0.25) / 100);
  const { x, y } = drawLine(curve, values, low, high, (v) => (100 * v).toFixed(1) + "%");
  const best = model.bestEpoch;
  if (best >= 1 && best <= values.length) {
    curve.append(svg("circle", { cx: x(best), cy: y(values[best - 1]), r: 5, fill: "#dc2626" }));
    curve.append(svg("text", { x: x(best), y: y(values[best - 1]) - 10, "text-anchor": "middle", fill: "#dc2626" },
      "kept: epoch " + best + ", " + (100 * values[best - 1]).toFixed(2) + "%"));
  }
}

// One value per epoch as a line between `low` and `high`, with the epochs and a grid at `levels` (six evenly
// spaced unless given) labelled by `label`; returns where an epoch and a value fall.
function drawLine(curve, values, low, high, label, levels) {
  const [W, H, left, right, top, bottom] = [640, 280, 52, 16, 16, 36];
  const x = (e) => left + (values.length === 1 ? 0.5 : (e - 1) / (values.length - 1)) * (W - left - right);
  const y = (v) => top + (1 - (v - low) / (high - low || 1)) * (H - top - bottom);
  for (const v of levels ?? [0, 1, 2, 3, 4, 5].map((i) => low + (high - low) * i / 5)) {
    curve.append(svg("line", { x1: left, x2: W - right, y1: y(v), y2: y(v), stroke: "#eee" }));
    curve.append(svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, label(v)));
  }
  const tick = Math.max(1, Math.ceil(values.length / 10));
  for (let e = 1; e <= values.length; e += tick) curve.append(svg("text", { x: x(e), y: H - 14, "text-anchor": "middle" }, e));
  curve.append(svg("text", { x: (W + left) / 2, y: H - 1, "text-anchor": "middle" }, "epoch"));
  const points = values.map((v, i) => x(i + 1).toFixed(1) + "," + y(v).toFixed(1)).join(" ");
  curve.append(svg("polyline", { points, fill: "none", stroke: "#2563eb", "stroke-width": 2, "stroke-linejoin": "round" }));
  return { x, y };
}

function drawMatrix(confusion) {
  const table = $("confusion");
  table.replaceChildren();
  const head = table.insertRow();
  head.append(document.createElement("th"));
  for (let p = 0; p < confusion.length; p++) { const th = document.createElement("th"); th.textContent = p; head.append(th); }
  const offDiagonal = Math.max(1, ...confusion.flatMap((row, t) => row.filter((_, p) => p !== t)));
  confusion.forEach((row, t) => {
    const tr = table.insertRow();
    const th = document.createElement("th");
    th.textContent = t;
    tr.append(th);
    row.forEach((count, p) => {
      const td = tr.insertCell();
      td.textContent = count;
      if (p === t) {
        td.style.background = "#dbeafe";
      } else if (count > 0) {
        const strength = Math.log(1 + count) / Math.log(1 + offDiagonal);
        td.style.background = "rgba(220, 38, 38, " + (0.08 + 0.8 * strength).toFixed(2) + ")";
        if (strength > 0.6) td.style.color = "#fff";
      } else {
        td.style.background = "#fafafa";
        td.style.color = "#bbb";
      }
      td.title = "true " + t + ", read as " + p + ": " + count;
    });
  });
}

function drawKept(report) {
  const table = $("kept");
  table.replaceChildren();
  const head = table.insertRow();
  for (const title of ["confidence", "kept", "accuracy", "mistakes kept"]) {
    const th = document.createElement("th"); th.textContent = title; head.append(th);
  }
  const mistakes = report.total - report.correct;
  for (const row of report.byConfidence) {
    const tr = table.insertRow();
    const accuracy = row.answered ? (100 * row.correct / row.answered).toFixed(2) + "%" : "–";
    for (const text of ["≥ " + row.threshold, row.answered + " (" + (100 * row.answered / report.total).toFixed(2) + "%)",
                        accuracy, (row.answered - row.correct) + " of " + mistakes]) {
      tr.insertCell().textContent = text;
    }
  }
}

function drawGallery(report) {
  $("miss-count").textContent = "(" + report.missCount + " of " + report.total + (report.missCount > report.misses.length ? "; the " + report.misses.length + " surest shown" : "; the surest first") + ")";
  const gallery = $("gallery");
  gallery.replaceChildren();
  for (const miss of report.misses) {
    const figure = document.createElement("figure");
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 28;
    const c = canvas.getContext("2d"), image = c.createImageData(28, 28);
    const bytes = atob(miss.pixels);
    for (let i = 0; i < 784; i++) {
      const v = 255 - bytes.charCodeAt(i);
      image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = v;
      image.data[4 * i + 3] = 255;
    }
    c.putImageData(image, 0, 0);
    const caption = document.createElement("figcaption");
    caption.innerHTML = miss.label + " → <b>" + miss.predicted + "</b>";
    figure.title = "test image #" + miss.index + ": a " + miss.label + " read as " + miss.predicted
      + ", confidence " + miss.confidence.toFixed(3);
    figure.append(canvas, caption);
    gallery.append(figure);
  }
}

fetch("/api/model").then((r) => r.json()).then((model) => {
  $("model-name").textContent = model.members ? "committee: " + model.members.map((m) => m.path).join(" + ")
    : model.path + (model.testAccuracy != null ? " · test accuracy " + (100 * model.testAccuracy).toFixed(2) + "%" : "");
}).catch(() => {});
fitPad();
clearPad();
showView(location.hash === "#report" ? "report" : "draw");
</script>
</body>
</html>
"""#
}
