import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export class Metrics {
  private readonly registry = new Registry();
  private readonly requestSeconds: Histogram;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'surplus_' });
    this.requestSeconds = new Histogram({
      name: 'surplus_http_request_duration_seconds',
      help: 'HTTP request duration by route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
  }

  get contentType() {
    return this.registry.contentType;
  }

  observe(method: string, route: string, status: number, seconds: number) {
    this.requestSeconds.observe({ method, route, status: String(status) }, seconds);
  }

  render() {
    return this.registry.metrics();
  }
}
