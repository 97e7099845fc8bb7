import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { CustomResourceOutcome } from './ports.js';

/**
 * Sends the custom resource's answer to CloudFormation: a PUT of the documented JSON body to
 * the pre-signed `ResponseURL` (no content type, which the signature does not cover).
 */
export async function respondToCloudFormation(
  event: Pick<CloudFormationCustomResourceEvent, 'ResponseURL' | 'StackId' | 'RequestId' | 'LogicalResourceId'>,
  outcome: CustomResourceOutcome,
): Promise<void> {
  const body = JSON.stringify({
    Status: outcome.status,
    Reason: outcome.status === 'FAILED' ? outcome.reason : 'see the migrator log group',
    PhysicalResourceId: outcome.PhysicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: outcome.status === 'SUCCESS' ? outcome.Data : undefined,
  });
  const response = await fetch(event.ResponseURL, {
    method: 'PUT',
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`CloudFormation response refused: HTTP ${response.status}`);
}
