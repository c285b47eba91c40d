// Charts drawn as SVG by hand (no library): one series per chart, so nothing depends on
// telling colours apart; every bar has its number in a <title>, and each chart sits beside a
// table of the same numbers. Sizes come from the viewBox; the CSS sets the colours.
const SVG = 'http://www.w3.org/2000/svg';

function s(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

// A round top for the axis: 1, 2 or 5 times a power of ten, at least `value`.
export function niceCeiling(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * power).find((top) => top >= value);
}

// Vertical bars over days: `points` are [label, value]; the first, middle and last labels
// are written under the axis.
export function barChart({ title, points }) {
  const width = 640, height = 220, left = 44, bottom = 28, top = 12;
  const plotWidth = width - left - 8, plotHeight = height - top - bottom;
  const ceiling = niceCeiling(Math.max(0, ...points.map(([, value]) => value)));
  const slot = plotWidth / Math.max(1, points.length);
  const bar = Math.max(1, slot * 0.7);
  const y = (value) => top + plotHeight - (value / ceiling) * plotHeight;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': title });
  for (const tick of [0, ceiling / 2, ceiling]) {
    svg.append(s('line', { x1: left, x2: width - 8, y1: y(tick), y2: y(tick), class: 'chart-grid' }),
      s('text', { x: left - 6, y: y(tick) + 4, class: 'chart-axis', 'text-anchor': 'end' }, String(tick)));
  }
  points.forEach(([label, value], index) => {
    const x = left + index * slot + (slot - bar) / 2;
    svg.append(s('rect', { x, y: y(value), width: bar, height: Math.max(0, top + plotHeight - y(value)), class: 'chart-bar' },
      s('title', {}, `${label}: ${value}`)));
  });
  const labelled = [...new Set([0, Math.floor((points.length - 1) / 2), points.length - 1])].filter((i) => i >= 0);
  for (const index of labelled) {
    const x = left + index * slot + slot / 2;
    svg.append(s('text', { x, y: height - 8, class: 'chart-axis', 'text-anchor': 'middle' }, points[index][0]));
  }
  return svg;
}

// Horizontal bars with their names and numbers written beside them: `points` are [name, value].
export function rankedBars({ title, points }) {
  const width = 640, row = 30, nameWidth = 200, numberWidth = 60;
  const height = Math.max(1, points.length) * row + 8;
  const ceiling = Math.max(1, ...points.map(([, value]) => value));
  const span = width - nameWidth - numberWidth;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': title });
  points.forEach(([name, value], index) => {
    const y = 4 + index * row;
    const length = (value / ceiling) * span;
    svg.append(
      s('text', { x: 0, y: y + row / 2 + 4, class: 'chart-label' }, name),
      s('rect', { x: nameWidth, y: y + 5, width: Math.max(0, length), height: row - 10, class: 'chart-bar' },
        s('title', {}, `${name}: ${value}`)),
      s('text', { x: nameWidth + length + 6, y: y + row / 2 + 4, class: 'chart-label' }, String(value)));
  });
  return svg;
}
