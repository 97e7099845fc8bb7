import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * A cfn-lint rule or checkov check deliberately accepted on one resource, and why. The
 * template scans (infra/template-scans.test.ts) fail on every finding that is not
 * acknowledged here or, for a rule that is wrong for the whole project, in `.cfnlintrc.yaml`.
 */
export interface ScanAcknowledgement {
  /** A cfn-lint rule (`W3005`, `E3012`) or a checkov check (`CKV_AWS_116`, `CKV2_AWS_5`). */
  readonly id: string;
  /** What makes the finding harmless here, or what enforces its intent instead. */
  readonly reason: string;
}

const CHECKOV_ID = /^CKV2?_[A-Z0-9]+_\d+$/;
const CFN_LINT_ID = /^[EWI]\d{4}$/;

/**
 * Records the acknowledgements in the resource's template metadata, where each tool reads
 * them: `Metadata.checkov.skip[{ id, comment }]` (the reason is the comment checkov prints)
 * and `Metadata.cfn-lint.config.ignore_checks` (cfn-lint has no field for a reason, so it
 * stays here in the code, next to the resource). `scope` is the resource itself or an L2
 * whose default child is the resource; anything else throws, so an acknowledgement cannot
 * silently land nowhere. The cdk-nag counterpart is `NagSuppressions` (infra/nag.ts).
 */
export function acknowledgeScanFindings(scope: IConstruct, acknowledgements: readonly ScanAcknowledgement[]): void {
  const resource = CfnResource.isCfnResource(scope) ? scope : scope.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource)) {
    throw new Error(`${scope.node.path}: scan acknowledgements need a CloudFormation resource (or an L2 wrapping one)`);
  }
  for (const { id, reason } of acknowledgements) {
    if (reason.trim().length < 20) throw new Error(`${scope.node.path}: acknowledgement of ${id} needs a real reason`);
    if (CHECKOV_ID.test(id)) {
      const checkov = (resource.getMetadata('checkov') ?? {}) as { skip?: { id: string; comment: string }[] };
      const skip = (checkov.skip ?? []).filter((entry) => entry.id !== id);
      resource.addMetadata('checkov', { ...checkov, skip: [...skip, { id, comment: reason }] });
    } else if (CFN_LINT_ID.test(id)) {
      const cfnLint = (resource.getMetadata('cfn-lint') ?? {}) as { config?: { ignore_checks?: string[] } };
      const ignored = new Set(cfnLint.config?.ignore_checks ?? []).add(id);
      resource.addMetadata('cfn-lint', { ...cfnLint, config: { ...cfnLint.config, ignore_checks: [...ignored] } });
    } else {
      throw new Error(`${scope.node.path}: "${id}" is neither a checkov check nor a cfn-lint rule id`);
    }
  }
}
