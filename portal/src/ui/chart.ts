import { h } from './dom';

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * A horizontal bar chart as SVG, with the numbers also in a table for screen
 * readers and keyboard users (the chart itself is aria-hidden).
 */
export function barChart(title: string, data: readonly (readonly [string, number])[], id: string): HTMLElement {
  const rowHeight = 28;
  const width = 560;
  const labelWidth = 200;
  const max = Math.max(1, ...data.map(([, v]) => v));
  const chart = svg('svg', {
    width,
    height: Math.max(rowHeight, data.length * rowHeight) + 8,
    'aria-hidden': 'true',
    class: 'chart',
    'data-bars': data.length,
  });
  data.forEach(([label, value], i) => {
    const y = i * rowHeight + 4;
    const w = Math.round(((width - labelWidth - 60) * value) / max);
    chart.append(
      svg('text', { x: 0, y: y + 17, class: 'chart-label' }, label.length > 28 ? `${label.slice(0, 27)}…` : label),
      svg('rect', { x: labelWidth, y, width: Math.max(w, 1), height: rowHeight - 8, class: 'chart-bar' }),
      svg('text', { x: labelWidth + w + 6, y: y + 17, class: 'chart-value' }, String(value)),
    );
  });
  return h('figure', { id }, h('figcaption', {}, title), chart, dataTable(title, data));
}

/** The numbers behind a chart, as a table for screen readers and keyboard users. */
function dataTable(title: string, data: readonly (readonly [string, number])[]): HTMLElement {
  return h(
    'details',
    {},
    h('summary', {}, 'Numbers'),
    h(
      'table',
      { class: 'chart-data' },
      h('caption', {}, title),
      h('tbody', {}, ...data.map(([label, value]) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, String(value))))),
    ),
  );
}

/**
 * A column chart of a series in order (e.g. one column a day), as SVG: every
 * non-zero column has its value above it, and about eight labels run along
 * the axis; the whole series is in the table.
 */
export function columnChart(title: string, data: readonly (readonly [string, number])[], id: string, shortLabel = (l: string): string => l): HTMLElement {
  const width = 560;
  const height = 180;
  const axis = 24;
  const top = 18;
  const step = width / Math.max(1, data.length);
  const max = Math.max(1, ...data.map(([, v]) => v));
  const chart = svg('svg', { width, height, 'aria-hidden': 'true', class: 'chart', 'data-bars': data.length });
  const every = Math.max(1, Math.ceil(data.length / 8));
  data.forEach(([label, value], i) => {
    const x = i * step;
    const barHeight = Math.round(((height - axis - top) * value) / max);
    const y = height - axis - barHeight;
    chart.append(svg('rect', { x: x + 1, y, width: Math.max(step - 2, 1), height: Math.max(barHeight, 1), class: 'chart-bar' }));
    if (value > 0) chart.append(svg('text', { x: x + step / 2, y: y - 4, class: 'chart-value', 'text-anchor': 'middle' }, String(value)));
    if (i % every === 0) chart.append(svg('text', { x, y: height - 6, class: 'chart-label' }, shortLabel(label)));
  });
  return h('figure', { id }, h('figcaption', {}, title), chart, dataTable(title, data));
}
