import { ArnFormat, Fn, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { SERVICE_NAME } from '../../shared/names.js';
import { retainPolicy, type StageConfig } from '../config/stages.js';

/** An AWS managed rule group as a web ACL rule that blocks what the group blocks. */
export function managedRuleGroup(
  name: string,
  group: string,
  priority: number,
  metricName: string = name,
): wafv2.CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: group } },
    visibilityConfig: { cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true },
  };
}

/**
 * Logs a web ACL's requests to CloudWatch Logs, with the stage's retention (and, through
 * StageLogGroups, its key). WAF logs only into a log group named `aws-waf-logs-*`: the stage
 * and `purpose` in the name tell two stages and two ACLs apart in one account, and the stack's
 * id (a UUID per stack creation) lets a deleted stack whose log group was retained be created
 * again. WAF adds the log group's resource policy for its delivery service when logging is
 * enabled. The named headers (credentials, signatures) never reach the records.
 */
export function logWebAcl(
  scope: Construct,
  webAcl: wafv2.CfnWebACL,
  props: { stageConfig: StageConfig; purpose: string; redactedHeaders: readonly string[] },
): logs.LogGroup {
  const stack = Stack.of(scope);
  const stackUuid = Fn.select(2, Fn.split('/', stack.stackId));
  const group = new logs.LogGroup(scope, `${webAcl.node.id}Logs`, {
    logGroupName: `aws-waf-logs-${SERVICE_NAME}-${props.stageConfig.stage}-${props.purpose}-${stackUuid}`,
    retention: props.stageConfig.logRetention,
    removalPolicy: retainPolicy(props.stageConfig),
  });
  new wafv2.CfnLoggingConfiguration(scope, `${webAcl.node.id}Logging`, {
    resourceArn: webAcl.attrArn,
    // The log group's ARN without the `:*` CloudFormation's Arn attribute carries.
    logDestinationConfigs: [
      stack.formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: group.logGroupName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ],
    redactedFields: props.redactedHeaders.map((name) => ({ singleHeader: { Name: name } })),
  });
  return group;
}
