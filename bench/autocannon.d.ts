// autocannon ships no types; this covers the part of its API the benchmarks use.
declare module 'autocannon' {
  type Histogram = { average: number; mean: number; stddev: number; min: number; max: number; total: number; p50: number; p99: number };
  export type Result = {
    requests: Histogram;
    latency: Histogram & { p90: number; p97_5: number; p99_9: number };
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
  };
  export type Options = {
    url: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    headers?: Record<string, string>;
    timeout?: number;
    /** Per request: `setupRequest` may replace the method, body and headers before each send. */
    requests?: { method?: string; path?: string; setupRequest?: (request: AutocannonRequest) => AutocannonRequest }[];
  };
  export type AutocannonRequest = { method?: string; path?: string; body?: string; headers?: Record<string, string> };
  export default function autocannon(options: Options): Promise<Result>;
}
