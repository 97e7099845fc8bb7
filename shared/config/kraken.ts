import type * as z from 'zod';
import { httpUrl } from './env.js';

export const KRAKEN_REST_PRODUCTION_URL = 'https://api.kraken.com';

/** Kraken REST settings of the units that call Kraken's private API (admin, kill executor). */
export const krakenRestConfigShape = {
  /** Kraken REST base URL; tests and local mode point it at the fake. */
  KRAKEN_REST_URL: httpUrl.default(KRAKEN_REST_PRODUCTION_URL),
};

/** Production talks to Kraken itself, never to a fake or a proxy someone configured. */
export function checkKrakenRestUrl(config: { STAGE: string; KRAKEN_REST_URL: string }, ctx: z.RefinementCtx): void {
  if (config.STAGE === 'prod' && !config.KRAKEN_REST_URL.startsWith(KRAKEN_REST_PRODUCTION_URL)) {
    ctx.addIssue({
      code: 'custom',
      path: ['KRAKEN_REST_URL'],
      message: `must be ${KRAKEN_REST_PRODUCTION_URL} when STAGE=prod`,
    });
  }
}
