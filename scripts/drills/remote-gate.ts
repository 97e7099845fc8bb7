import type { RebuildOutcome } from '../../functions/state-rebuild/rebuild-state.js';
import { requestGate } from '../cli/gate-client.js';
import type { DrillDecision, DrillGate } from './drill-gate.js';

/**
 * A stage's gate for a drill: its API Gateway URL, SigV4-signed with the current AWS session
 * (the risk manager role, as for the kill switch CLI). The rebuild is the stage's own
 * schedule; a drill against a stage never rebuilds from a laptop (no route into the VPC).
 */
export function remoteGate(baseUrl: string): DrillGate {
  return {
    async validate(body): Promise<DrillDecision> {
      const { status, text } = await requestGate(baseUrl, 'POST', '/v1/risk/validate', body);
      const parsed = safeJson(text) as {
        decision?: string;
        decision_id?: string;
        reasons?: { code: string }[];
        code?: string;
      };
      return {
        status,
        decision: parsed.decision === 'accept' ? 'accept' : 'reject',
        decisionId: parsed.decision_id ?? null,
        code: parsed.reasons?.[0]?.code ?? parsed.code ?? null,
      };
    },
    async admin(method, path, body) {
      const { status, text } = await requestGate(baseUrl, method, path, body);
      return { status, body: safeJson(text) as Record<string, unknown> };
    },
    rebuild(): Promise<RebuildOutcome> {
      throw new Error("a stage's cache is rebuilt by its state-rebuild schedule, not by a drill");
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
