/**
 * EMF as CloudWatch receives it: the JSON lines Powertools prints to stdout, captured while a
 * piece of code runs, and unpacked into one data point per metric value and dimension set
 * (what CloudWatch stores: a metric is its namespace, name and exact dimension set).
 */

export interface EmfDataPoint {
  readonly namespace: string;
  readonly name: string;
  /** The exact dimension set, as name -> value. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs: number;
}

interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
  };
  [key: string]: unknown;
}

/** Runs `act` with stdout tapped and returns the EMF documents printed meanwhile (other output passes through). */
export async function captureEmf(act: () => unknown | Promise<unknown>): Promise<EmfDataPoint[]> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.startsWith('{"_aws"')) {
      lines.push(...text.split('\n').filter((l) => l.trim() !== ''));
      return true;
    }
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    await act();
  } finally {
    process.stdout.write = write;
  }
  return lines.flatMap((line) => dataPointsOf(JSON.parse(line) as EmfDocument));
}

/** One data point per metric value (arrays are several values) and per dimension set of the document. */
export function dataPointsOf(doc: EmfDocument): EmfDataPoint[] {
  const points: EmfDataPoint[] = [];
  for (const directive of doc._aws.CloudWatchMetrics) {
    for (const metric of directive.Metrics) {
      const raw = doc[metric.Name];
      const values = (Array.isArray(raw) ? raw : [raw]).map(Number);
      for (const set of directive.Dimensions) {
        const dimensions = Object.fromEntries(set.map((key) => [key, String(doc[key])]));
        for (const value of values) {
          points.push({
            namespace: directive.Namespace,
            name: metric.Name,
            dimensions,
            value,
            timestampMs: doc._aws.Timestamp,
          });
        }
      }
    }
  }
  return points;
}
