import { writeFileSync } from 'node:fs';
import type { RebuildOutcome } from '../../functions/state-rebuild/rebuild-state.js';
import { ROUTES } from '../../shared/names.js';
import { requestGate } from '../cli/gate-client.js';
import type { DrillDecision, DrillGate, StreamedDecision } from './drill-gate.js';

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

/**
 * Looks a stage drill's decisions up in the audit through `GET /v1/risk/decisions` (the
 * newest 200 per account, the route's maximum). Decisions older than the oldest one returned
 * cannot be checked this way and are counted apart; `writeIds` keeps every id for a full
 * check in the audit table (`SELECT ... WHERE decision_id = ANY(...)` in the query editor).
 */
export async function remoteAudit(
  gate: DrillGate,
  decisions: readonly StreamedDecision[],
): Promise<{ missing: number; unchecked: number }> {
  let missing = 0;
  let unchecked = 0;
  for (const accountId of new Set(decisions.map((d) => d.accountId))) {
    const { body } = await gate.admin('GET', `${ROUTES.decisions}?account_id=${accountId}&limit=200`);
    const listed = (body.decisions as { decision_id: string; evaluated_at: string }[] | undefined) ?? [];
    const ids = new Set(listed.map((d) => d.decision_id));
    const oldestMs = Math.min(...listed.map((d) => Date.parse(d.evaluated_at)));
    for (const d of decisions) {
      if (d.accountId !== accountId || d.decisionId === null) continue;
      if (d.atMs < oldestMs) unchecked++;
      else if (!ids.has(d.decisionId)) missing++;
    }
  }
  return { missing, unchecked };
}

/** Writes every decision id of a drill to a file for a full audit check; returns its path. */
export function writeIds(name: string, decisions: readonly StreamedDecision[]): string {
  const path = `drill-${name}-${new Date().toISOString().replace(/[:.]/g, '-')}-decision-ids.txt`;
  writeFileSync(path, `${decisions.flatMap((d) => (d.decisionId ? [d.decisionId] : [])).join('\n')}\n`);
  return path;
}
