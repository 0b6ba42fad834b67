import type { LatencyHistogramSnapshot } from "./counters.js";

/** Default release-latency bucket bounds in seconds: 100 µs (a match on the same host) up to 10 s (beyond
 * --compare-timeout's default of 3 s, where only checkpoint releases land). */
export const DEFAULT_LATENCY_BOUNDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** A fixed-bucket histogram that records without allocating, for the release path. */
export class LatencyHistogram {
  readonly bounds: readonly number[];
  private readonly counts: Float64Array;
  private total = 0;

  constructor(bounds: readonly number[] = DEFAULT_LATENCY_BOUNDS) {
    for (let i = 1; i < bounds.length; i++) {
      if (!((bounds[i] ?? 0) > (bounds[i - 1] ?? 0)))
        throw new RangeError("latency bounds must be strictly ascending");
    }
    this.bounds = [...bounds];
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records one latency in seconds. */
  observe(seconds: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && seconds > (b[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.total += seconds;
  }

  /** A copy of the buckets, safe to hand to the metrics endpoint. */
  snapshot(): LatencyHistogramSnapshot {
    return { bounds: this.bounds, counts: Array.from(this.counts), sum: this.total };
  }

  /** Forgets every observation. */
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
  }
}
