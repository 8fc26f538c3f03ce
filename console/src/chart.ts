// A score chart: the scores over sessions, the instrument's severity bands drawn behind them.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Band } from "./instruments";

export const BAND_COLOURS = ["#e6f4ea", "#fdf6d8", "#fde7cf", "#fbd9d3", "#f6c7c7"];

export interface ChartPoints {
  /** Seconds since the epoch (uPlot's time axis), ascending. */
  x: number[];
  y: (number | null)[];
}

export interface ChartOptions {
  title: string;
  max: number;
  bands: Band[];
  width: number;
  height?: number;
  zone: string;
  /** Average change, by session number: x is the session, not a time. */
  sessions?: boolean;
}

export function drawBands(u: uPlot, bands: Band[]): void {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  bands.forEach((band, index) => {
    // A band covers its scores' half-steps, so that 4 and 5 sit in different bands.
    const y0 = u.valToPos(band.to + 0.5, "y", true);
    const y1 = u.valToPos(band.from - 0.5, "y", true);
    const from = Math.max(top, Math.min(y0, y1));
    const to = Math.min(top + height, Math.max(y0, y1));
    ctx.fillStyle = BAND_COLOURS[index % BAND_COLOURS.length]!;
    ctx.fillRect(left, from, width, to - from);
  });
  ctx.restore();
}

export function scoreChart(target: HTMLElement, points: ChartPoints, options: ChartOptions): uPlot {
  const opts: uPlot.Options = {
    title: options.title,
    width: options.width,
    height: options.height ?? 220,
    tzDate: options.sessions ? undefined : (ts) => uPlot.tzDate(new Date(ts * 1000), options.zone),
    scales: {
      x: { time: !options.sessions },
      y: { range: options.sessions ? undefined : [0, options.max] },
    },
    // Sessions are whole numbers: ticks at 1, 2, 5... apart, never between two sessions.
    axes: [options.sessions ? { incrs: [1, 2, 5, 10, 20, 50] } : {}, { label: options.sessions ? "change from baseline" : "score" }],
    series: [
      { label: options.sessions ? "session" : "session date" },
      { label: "score", stroke: "#1d4f91", width: 2, points: { show: true, size: 7, fill: "#1d4f91" } },
    ],
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    hooks: { drawClear: [(u) => drawBands(u, options.bands)] },
  };
  return new uPlot(opts, [points.x, points.y], target);
}
