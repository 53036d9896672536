/** Tiny inline-SVG chart builders (no external JS/CSS), pure string functions. */

export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7'];

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(n: number): string {
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export interface Bar {
  label: string;
  value: number;
}

export interface RefLine {
  label: string;
  value: number;
}

const LABEL_W = 190;
const ROW_H = 22;

/** Horizontal bars with dashed vertical reference lines (e.g. physical limits). */
export function barChart(o: { title: string; unit: string; bars: Bar[]; refs?: RefLine[]; width?: number }): string {
  const width = o.width ?? 760;
  const refs = o.refs ?? [];
  const plotW = width - LABEL_W - 70;
  const max = Math.max(1e-9, ...o.bars.map((b) => b.value), ...refs.map((r) => r.value));
  const top = 30 + refs.length * 14;
  const height = top + o.bars.length * ROW_H + 20;
  const x = (v: number): number => LABEL_W + (v / max) * plotW;
  const parts = [`<text x="4" y="16" class="t">${esc(o.title)} (${esc(o.unit)})</text>`];
  o.bars.forEach((b, i) => {
    const y = top + i * ROW_H;
    parts.push(`<text x="${LABEL_W - 6}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${LABEL_W}" y="${y + 3}" width="${Math.max(0, x(b.value) - LABEL_W).toFixed(1)}" height="${ROW_H - 6}" fill="${PALETTE[0]}"/>`);
    parts.push(`<text x="${(x(b.value) + 4).toFixed(1)}" y="${y + 15}">${fmt(b.value)}</text>`);
  });
  refs.forEach((r, i) => {
    const rx = x(r.value).toFixed(1);
    const color = PALETTE[(i + 2) % PALETTE.length] ?? '#000';
    parts.push(`<line x1="${rx}" y1="${top - 4}" x2="${rx}" y2="${height - 16}" stroke="${color}" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${rx}" y="${26 + i * 14}" fill="${color}" text-anchor="end">${esc(r.label)} ${fmt(r.value)}</text>`);
  });
  return svg(width, height, parts);
}

/** Grouped horizontal bars on a log scale: one group per category, one bar per series. */
export function groupedLogBars(o: { title: string; unit: string; categories: string[]; series: Array<{ name: string; values: Array<number | undefined> }>; width?: number }): string {
  const width = o.width ?? 760;
  const plotW = width - LABEL_W - 70;
  const all = o.series.flatMap((s) => s.values).filter((v): v is number => v !== undefined && v > 0);
  const lo = Math.min(0.1, ...all);
  const hi = Math.max(lo * 10, ...all);
  const lx = (v: number): number => LABEL_W + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotW;
  const barH = 12;
  const groupH = o.series.length * barH + 10;
  const top = 40;
  const height = top + o.categories.length * groupH + 24;
  const parts = [`<text x="4" y="16" class="t">${esc(o.title)} (${esc(o.unit)}, log scale)</text>`];
  o.series.forEach((s, j) => {
    parts.push(`<rect x="${LABEL_W + j * 90}" y="24" width="10" height="10" fill="${PALETTE[j % PALETTE.length]}"/><text x="${LABEL_W + j * 90 + 14}" y="33">${esc(s.name)}</text>`);
  });
  o.categories.forEach((c, i) => {
    const y = top + i * groupH;
    parts.push(`<text x="${LABEL_W - 6}" y="${y + groupH / 2 + 2}" text-anchor="end">${esc(c)}</text>`);
    o.series.forEach((s, j) => {
      const v = s.values[i];
      if (v === undefined) return;
      const by = y + j * barH;
      parts.push(`<rect x="${LABEL_W}" y="${by}" width="${Math.max(1, lx(v) - LABEL_W).toFixed(1)}" height="${barH - 2}" fill="${PALETTE[j % PALETTE.length]}"/>`);
      parts.push(`<text x="${(lx(v) + 4).toFixed(1)}" y="${by + 9}" class="s">${fmt(v)}</text>`);
    });
  });
  for (let d = Math.ceil(Math.log10(lo)); d <= Math.floor(Math.log10(hi)); d++) {
    const gx = lx(10 ** d).toFixed(1);
    parts.push(`<line x1="${gx}" y1="${top - 2}" x2="${gx}" y2="${height - 18}" stroke="#ccc"/><text x="${gx}" y="${height - 4}" text-anchor="middle" class="s">${fmt(10 ** d)}</text>`);
  }
  return svg(width, height, parts);
}

/** A line chart of one or more series of (x, y) points, linear axes from 0. */
export function lineChart(o: { title: string; xLabel: string; yLabel: string; series: Array<{ name: string; points: Array<[number, number]> }>; width?: number; height?: number }): string {
  const width = o.width ?? 760;
  const height = o.height ?? 260;
  const left = 60;
  // Title, then the legend, then the y-axis label: each on its own line.
  const top = 58;
  const plotW = width - left - 20;
  const plotH = height - top - 40;
  const pts = o.series.flatMap((s) => s.points);
  const maxX = Math.max(1e-9, ...pts.map((p) => p[0]));
  const maxY = Math.max(1e-9, ...pts.map((p) => p[1]));
  const px = (v: number): string => (left + (v / maxX) * plotW).toFixed(1);
  const py = (v: number): string => (top + plotH - (v / maxY) * plotH).toFixed(1);
  const parts = [
    `<text x="4" y="16" class="t">${esc(o.title)}</text>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#888"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#888"/>`,
    `<text x="${left + plotW}" y="${height - 8}" text-anchor="end" class="s">${esc(o.xLabel)} (max ${fmt(maxX)})</text>`,
    `<text x="4" y="${top - 6}" class="s">${esc(o.yLabel)} (max ${fmt(maxY)})</text>`,
  ];
  for (const f of [0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${left}" y1="${py(maxY * f)}" x2="${left + plotW}" y2="${py(maxY * f)}" stroke="#eee"/><text x="${left - 4}" y="${py(maxY * f)}" text-anchor="end" class="s">${fmt(maxY * f)}</text>`);
  }
  o.series.forEach((s, j) => {
    const color = PALETTE[j % PALETTE.length] ?? '#000';
    const d = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p[0])},${py(p[1])}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    parts.push(`<rect x="${left + 10 + j * 110}" y="24" width="10" height="10" fill="${color}"/><text x="${left + 24 + j * 110}" y="33">${esc(s.name)}</text>`);
  });
  return svg(width, height, parts);
}

function svg(width: number, height: number, parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">${parts.join('')}</svg>`;
}
