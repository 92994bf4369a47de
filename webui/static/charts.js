// Inline SVG charts for the barChart and pieChart frontend tools. Labels
// and titles are set as text content, so model output is never markup.

const PALETTE = ["#2f6fde", "#e07a1f", "#2a9d6f", "#c94f4f", "#8e5cc2", "#1aa0b8", "#b58a12", "#d05a9a"];
const CHART_W = 520;
const CHART_H = 300;
const EMPTY_H = 64;

function chartFrame(kind, title, data) {
  const summary = data.map((d) => `${d.label}: ${d.value}`).join(", ");
  // An empty chart is only its title and a line saying so.
  const height = data.length === 0 ? EMPTY_H : CHART_H;
  const svg = svgEl("svg", {
    class: `chart chart-${kind}`,
    viewBox: `0 0 ${CHART_W} ${height}`,
    role: "img",
    "aria-label": `${kind} chart: ${title}${summary ? ". " + summary : ". No data"}`,
  });
  svg.append(svgEl("title", {}, title));
  svg.append(svgEl("text", { class: "title", x: CHART_W / 2, y: 22, "text-anchor": "middle" }, clip(title, 60)));
  if (data.length === 0) {
    svg.append(svgEl("text", { class: "empty", x: CHART_W / 2, y: 50, "text-anchor": "middle" }, "No data points"));
  }
  return svg;
}

function clip(s, n) {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

function formatValue(v) {
  return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/** barChart draws one vertical bar per item, scaled to the largest value. */
function barChart({ title, data }) {
  const svg = chartFrame("bar", title, data);
  if (data.length === 0) return svg;
  const left = 16;
  const right = 16;
  const top = 48;
  const bottom = 44;
  const plotW = CHART_W - left - right;
  const plotH = CHART_H - top - bottom;
  const max = Math.max(...data.map((d) => d.value)) || 1;
  const slot = plotW / data.length;
  const barW = Math.max(2, Math.min(64, slot * 0.7));
  const base = top + plotH;
  svg.append(svgEl("line", { class: "axis", x1: left, y1: base, x2: CHART_W - right, y2: base }));
  data.forEach((d, i) => {
    const h = (d.value / max) * plotH;
    const x = left + slot * i + (slot - barW) / 2;
    const bar = svgEl("rect", { x, y: base - h, width: barW, height: Math.max(h, 0.5), rx: 3, fill: PALETTE[i % PALETTE.length] });
    bar.append(svgEl("title", {}, `${d.label}: ${formatValue(d.value)}`));
    svg.append(bar);
    svg.append(svgEl("text", { x: x + barW / 2, y: base - h - 5, "text-anchor": "middle" }, formatValue(d.value)));
    const chars = Math.max(3, Math.floor(slot / 7));
    svg.append(svgEl("text", { x: x + barW / 2, y: base + 18, "text-anchor": "middle" }, clip(d.label, chars)));
  });
  return svg;
}

/** pieChart draws one slice per item, each the item's share of the total. */
function pieChart({ title, data }) {
  const svg = chartFrame("pie", title, data);
  if (data.length === 0) return svg;
  const total = data.reduce((sum, d) => sum + d.value, 0);
  const cx = 135;
  const cy = 165;
  const r = 105;
  if (total === 0) {
    svg.append(svgEl("circle", { cx, cy, r, fill: "none", stroke: "currentColor", "stroke-dasharray": "4 4" }));
    svg.append(svgEl("text", { class: "empty", x: cx, y: cy, "text-anchor": "middle" }, "All values are 0"));
  }
  let angle = -Math.PI / 2;
  data.forEach((d, i) => {
    const color = PALETTE[i % PALETTE.length];
    const share = total === 0 ? 0 : d.value / total;
    let slice = null;
    if (share >= 0.9999) {
      slice = svgEl("circle", { cx, cy, r, fill: color });
    } else if (share > 0) {
      const end = angle + share * 2 * Math.PI;
      const [x1, y1] = [cx + r * Math.cos(angle), cy + r * Math.sin(angle)];
      const [x2, y2] = [cx + r * Math.cos(end), cy + r * Math.sin(end)];
      const large = share > 0.5 ? 1 : 0;
      slice = svgEl("path", { d: `M${cx},${cy} L${x1},${y1} A${r},${r} 0 ${large} 1 ${x2},${y2} Z`, fill: color });
      angle = end;
    }
    const pct = `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
    if (slice) {
      slice.append(svgEl("title", {}, `${d.label}: ${formatValue(d.value)} (${pct})`));
      svg.append(slice);
    }
    const ly = 60 + i * 22;
    if (ly < CHART_H - 8) {
      svg.append(svgEl("rect", { x: 262, y: ly - 10, width: 12, height: 12, rx: 2, fill: color }));
      svg.append(svgEl("text", { class: "legend", x: 280, y: ly }, `${clip(d.label, 18)} — ${formatValue(d.value)} (${pct})`));
    }
  });
  return svg;
}
