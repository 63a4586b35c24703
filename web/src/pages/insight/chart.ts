/**
 * The geometry of the coverage-over-time chart, apart from React so it can be checked by hand:
 * values hold until the next change (coverage moves at uploads and grant starts/ends), so both
 * series are step lines, and supported is also filled down to zero.
 */
export type ChartPoint = { at: string; total: number; supported: number };
export type ChartBox = { width: number; height: number; left: number; right: number; top: number; bottom: number };
export type ChartGeometry = {
  totalPath: string;
  supportedPath: string;
  areaPath: string;
  dots: { x: number; y: number; point: ChartPoint }[];
  yTicks: { y: number; value: number }[];
  xTicks: { x: number; at: string }[];
};

/** 0, 1, 2, 5, 10, 20, 50…: a round top for the y axis at or above `value`. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

const round = (value: number) => Math.round(value * 10) / 10;

export function chartGeometry(points: readonly ChartPoint[], box: ChartBox): ChartGeometry {
  const times = points.map((p) => Date.parse(p.at));
  const first = Math.min(...times);
  const last = Math.max(...times);
  // One moment only: spread a day either side so the point sits in the middle.
  const [start, end] = first === last ? [first - 86_400_000, last + 86_400_000] : [first, last];
  const top = niceCeiling(Math.max(1, ...points.map((p) => p.total)));
  const plotWidth = box.width - box.left - box.right;
  const plotHeight = box.height - box.top - box.bottom;
  const x = (time: number) => round(box.left + ((time - start) / (end - start)) * plotWidth);
  const y = (value: number) => round(box.top + plotHeight - (value / top) * plotHeight);
  const base = y(0);
  // After the first point: across to the next point's time, then up or down to its value; on to the end.
  const tail = (values: number[]) =>
    `${values.map((value, i) => (i === 0 ? '' : `H${x(times[i] as number)}V${y(value)}`)).join('')}H${x(end)}`;
  const x0 = x(times[0] ?? start);
  const totals = points.map((p) => p.total);
  const supported = points.map((p) => p.supported);
  const isEmpty = points.length === 0;
  return {
    totalPath: isEmpty ? '' : `M${x0},${y(totals[0] as number)}${tail(totals)}`,
    supportedPath: isEmpty ? '' : `M${x0},${y(supported[0] as number)}${tail(supported)}`,
    areaPath: isEmpty ? '' : `M${x0},${base}V${y(supported[0] as number)}${tail(supported)}V${base}Z`,
    dots: points.map((point, i) => ({ x: x(times[i] as number), y: y(point.supported), point })),
    yTicks: [0, top / 2, top].map((value) => ({ y: y(value), value })),
    xTicks: points.length
      ? [
          { x: x(first), at: points[times.indexOf(first)]?.at as string },
          { x: x(last), at: points[times.indexOf(last)]?.at as string },
        ]
      : [],
  };
}
