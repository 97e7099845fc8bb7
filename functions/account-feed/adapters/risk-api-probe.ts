import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { ROUTES } from '../../../shared/names.js';
import type { FeedLog } from '../ports.js';

/** The gate-health reason when the risk API did not answer its health route. */
export const RISK_API_UNANSWERED = 'risk_api_unanswered';

export interface RiskApiProbeOptions {
  /** The API's base URL: the stage's invoke URL (`https://{id}.execute-api.{region}.amazonaws.com/{stage}`). */
  readonly url: string;
  /** A probe that has not answered within this is unanswered (signing included). */
  readonly timeoutMs: number;
  /** At most one probe per interval; checks in between read the last result. */
  readonly intervalMs: number;
  /** SigV4 for execute-api (IAM-authorised routes); null sends unsigned (local mode only). */
  readonly signing: {
    readonly region: string;
    /** @default the SDK's default chain (the task role's container credentials in ECS) */
    readonly credentials?: ConstructorParameters<typeof SignatureV4>[0]['credentials'];
  } | null;
  readonly log?: FeedLog;
}

/**
 * Whether the risk API answers `GET /v1/health` with 2xx and `{"status":"ok"}`. The dead man's
 * switch must stay armed only while the gate can vet orders, and a gate whose API does not
 * answer (Lambda throttled, API Gateway or WAF refusing, a store behind it down: 503) cannot.
 *
 * Fail closed: a timeout, any non-2xx, a body that is not the health body, a network or
 * signing error, and "no answer yet" are all unanswered. The result is cached for
 * `intervalMs` from the probe's start, so the switch's 1 s tick does not become 1 request a
 * second per task; a check that finds no usable result waits for the probe (at most
 * `timeoutMs`) rather than withholding on a result it has not asked for yet.
 */
export class RiskApiProbe {
  private readonly healthUrl: URL;
  private readonly signer: SignatureV4 | null;
  private last: { readonly startedMs: number; readonly answered: boolean } | undefined;
  private inFlight: Promise<boolean> | undefined;

  constructor(private readonly options: RiskApiProbeOptions) {
    const base = new URL(options.url);
    // The stage's invoke URL carries the stage name as its path: the route goes under it.
    base.pathname = `${base.pathname.replace(/\/+$/, '')}${ROUTES.health}`;
    this.healthUrl = base;
    this.signer = options.signing
      ? new SignatureV4({
          service: 'execute-api',
          region: options.signing.region,
          credentials: options.signing.credentials ?? defaultProvider(),
          sha256: Hash.bind(null, 'sha256'),
        })
      : null;
  }

  /** `[]` when the risk API answered its last probe, else `[RISK_API_UNANSWERED]`. */
  async reasons(nowMs: number): Promise<string[]> {
    return (await this.answered(nowMs)) ? [] : [RISK_API_UNANSWERED];
  }

  /** The last probe's result while younger than the interval; otherwise a new probe's. */
  answered(nowMs: number): Promise<boolean> {
    if (this.last && nowMs - this.last.startedMs < this.options.intervalMs) return Promise.resolve(this.last.answered);
    if (!this.inFlight) {
      this.inFlight = this.probe().then((answered) => {
        const was = this.last?.answered;
        this.last = { startedMs: nowMs, answered };
        this.inFlight = undefined;
        if (answered && was === false)
          this.options.log?.('info', 'risk API answers again', { url: this.healthUrl.href });
        return answered;
      });
    }
    return this.inFlight;
  }

  private async probe(): Promise<boolean> {
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new Error(`no answer within ${this.options.timeoutMs} ms`)),
      this.options.timeoutMs,
    );
    const aborted = new Promise<never>((_, reject) => {
      abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
    });
    aborted.catch(() => undefined);
    try {
      // Signing is inside the timeout: resolving the task role's credentials can hang too.
      const headers = await Promise.race([this.headers(), aborted]);
      const response = await fetch(this.healthUrl, { method: 'GET', headers, signal: abort.signal });
      const text = await Promise.race([response.text(), aborted]);
      if (response.status < 200 || response.status > 299) {
        this.detail({ status: response.status });
        return false;
      }
      return isHealthBody(text);
    } catch (error) {
      this.detail({ error: error instanceof Error ? error.message : 'unknown' });
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  private async headers(): Promise<Record<string, string>> {
    const url = this.healthUrl;
    // API Gateway's WAF (AWSManagedRulesCommonRuleSet) blocks requests without a User-Agent.
    const headers: Record<string, string> = { host: url.host, 'user-agent': 'risk-gate-account-feed' };
    if (!this.signer) return withoutHost(headers);
    const signed = await this.signer.sign(
      new HttpRequest({
        method: 'GET',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        headers,
      }),
    );
    return withoutHost(signed.headers);
  }

  /** Why a probe failed, logged once per outage (not every interval while it lasts). */
  private detail(extra: Record<string, unknown>): void {
    if (this.last?.answered !== false) {
      this.options.log?.('warn', 'risk API unanswered', { url: this.healthUrl.href, ...extra });
    }
  }
}

/** fetch sets Host from the URL itself (the same value that was signed). */
function withoutHost(headers: Record<string, string>): Record<string, string> {
  const { host: _host, ...rest } = headers;
  return rest;
}

function isHealthBody(text: string): boolean {
  try {
    const body: unknown = JSON.parse(text);
    return typeof body === 'object' && body !== null && (body as { status?: unknown }).status === 'ok';
  } catch {
    return false;
  }
}
