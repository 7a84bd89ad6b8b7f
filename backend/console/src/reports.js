// Charts of the staff console's reports page (docs/reports.md), bundled by esbuild with Chart.js
// from npm (no CDN). Readable without colour: every bar carries its number as text, and the
// series of the stacked chart differ by fill pattern as well as by colour (legend shows both).
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);
Chart.defaults.animation = false;
Chart.defaults.font.size = 13;
Chart.defaults.color = "#1f2933";

const COLOURS = ["#1f5f99", "#b5651d", "#2f7d32", "#7b3f98", "#a31515", "#4d5b66", "#00707a"];
const SHAPES = ["solid", "stripes", "dots", "cross", "backslash", "grid", "zigzag"];

/** A fill pattern (colour plus shape) for series i. */
function pattern(i) {
  const tile = document.createElement("canvas");
  tile.width = tile.height = 12;
  const g = tile.getContext("2d");
  const colour = COLOURS[i % COLOURS.length];
  g.fillStyle = colour;
  g.globalAlpha = 0.35;
  g.fillRect(0, 0, 12, 12);
  g.globalAlpha = 1;
  g.strokeStyle = colour;
  g.fillStyle = colour;
  g.lineWidth = 2;
  const shape = SHAPES[i % SHAPES.length];
  const line = (x1, y1, x2, y2) => { g.beginPath(); g.moveTo(x1, y1); g.lineTo(x2, y2); g.stroke(); };
  if (shape === "solid") { g.fillRect(0, 0, 12, 12); }
  if (shape === "stripes") { line(0, 12, 12, 0); line(-6, 6, 6, -6); line(6, 18, 18, 6); }
  if (shape === "dots") { g.beginPath(); g.arc(6, 6, 2.5, 0, 2 * Math.PI); g.fill(); }
  if (shape === "cross") { line(6, 0, 6, 12); line(0, 6, 12, 6); }
  if (shape === "backslash") { line(0, 0, 12, 12); line(-6, 6, 6, 18); line(6, -6, 18, 6); }
  if (shape === "grid") { line(0, 0, 12, 0); line(0, 0, 0, 12); line(6, 0, 6, 12); line(0, 6, 12, 6); }
  if (shape === "zigzag") { g.beginPath(); g.moveTo(0, 9); g.lineTo(3, 3); g.lineTo(6, 9); g.lineTo(9, 3); g.lineTo(12, 9); g.stroke(); }
  return g.createPattern(tile, "repeat");
}

/** Writes each bar's label (from dataset.valueText) next to it. */
const valueLabels = {
  id: "valueLabels",
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.font = "12px sans-serif";
    ctx.fillStyle = "#1f2933";
    chart.data.datasets.forEach((dataset, d) => {
      if (!dataset.valueText) return;
      chart.getDatasetMeta(d).data.forEach((bar, i) => {
        const text = dataset.valueText[i];
        if (!text) return;
        const horizontal = chart.options.indexAxis === "y";
        ctx.textAlign = horizontal ? "left" : "center";
        ctx.textBaseline = horizontal ? "middle" : "bottom";
        ctx.fillText(text, horizontal ? bar.x + 4 : bar.x, horizontal ? bar.y : bar.y - 2);
      });
    });
    ctx.restore();
  },
};

const pct = (v) => (v === null || v === undefined ? "-" : `${Math.round(v * 1000) / 10}%`);

function draw(id, config) {
  const canvas = document.getElementById(id);
  if (!canvas) return;
  const chart = new Chart(canvas, { ...config, plugins: [valueLabels] });
  canvas.dataset.rendered = String(chart.data.labels.length);
}

function horizontal(extra) {
  return {
    indexAxis: "y",
    responsive: true,
    maintainAspectRatio: false,
    layout: { padding: { right: 90 } },
    plugins: { legend: { display: false } },
    ...extra,
  };
}

const data = JSON.parse(document.getElementById("report-data").textContent);
const col = (table, name) => data[table].columns.indexOf(name);

const funnel = data.funnel.rows;
draw("chart-funnel", {
  type: "bar",
  data: {
    labels: funnel.map((r) => r[0]),
    datasets: [{
      label: "conversations",
      data: funnel.map((r) => r[1]),
      backgroundColor: pattern(0),
      borderColor: COLOURS[0],
      borderWidth: 1,
      valueText: funnel.map((r) => `${r[1]} (${pct(r[2])})`),
    }],
  },
  options: horizontal({ scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }),
});

const reasons = data.reasons_over_time;
draw("chart-reasons", {
  type: "bar",
  data: {
    labels: reasons.rows.map((r) => `week of ${r[0]}`),
    datasets: reasons.columns.slice(1).map((reason, i) => ({
      label: reason,
      data: reasons.rows.map((r) => r[i + 1]),
      backgroundColor: pattern(i),
      borderColor: COLOURS[i % COLOURS.length],
      borderWidth: 1,
    })),
  },
  options: {
    responsive: true,
    maintainAspectRatio: false,
    scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
    plugins: { legend: { position: "bottom" } },
  },
});

const offers = data.offers.rows;
const made = col("offers", "made");
const accepted = col("offers", "accepted");
const rate = col("offers", "save rate");
draw("chart-offers", {
  type: "bar",
  data: {
    labels: offers.map((r) => r[0]),
    datasets: [{
      label: "save rate",
      data: offers.map((r) => (r[rate] === null ? 0 : r[rate] * 100)),
      backgroundColor: pattern(2),
      borderColor: COLOURS[2],
      borderWidth: 1,
      valueText: offers.map((r) => `${pct(r[rate])} (${r[accepted]} of ${r[made]})`),
    }],
  },
  options: horizontal({ scales: { x: { beginAtZero: true, max: 100, ticks: { callback: (v) => `${v}%` } } } }),
});
