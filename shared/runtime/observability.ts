import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { METRIC_NAMESPACE, SERVICE_NAME } from '../names.js';

/**
 * The one observability module: every Lambda and the ingester log, measure and trace
 * through these instances so service name, namespace and log shape are set once.
 * Powertools reads POWERTOOLS_* variables itself (log level, sampling, dev mode).
 */
export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });
export const tracer = new Tracer({ serviceName: SERVICE_NAME });
