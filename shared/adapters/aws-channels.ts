import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { EventPublisher, Notifier } from '../domain/controls/ports.js';
import { SERVICE_NAME } from '../names.js';

const handler = () => new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 3_000 });

/** Kill switch events on EventBridge (source `risk-gate`); the executor's rule matches the detail type. */
export class EventBridgePublisher implements EventPublisher {
  private readonly client = new EventBridgeClient({ requestHandler: handler(), maxAttempts: 3 });

  constructor(private readonly busName: string) {}

  async publish(event: object, detailType: string): Promise<void> {
    const result = await this.client.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: this.busName, Source: SERVICE_NAME, DetailType: detailType, Detail: JSON.stringify(event) },
        ],
      }),
    );
    if ((result.FailedEntryCount ?? 0) > 0) {
      throw new Error(`EventBridge refused the event: ${result.Entries?.[0]?.ErrorCode ?? 'unknown'}`);
    }
  }
}

/** Notifications to the risk desk's SNS topic (email, chat, pager subscriptions). */
export class SnsNotifier implements Notifier {
  private readonly client = new SNSClient({ requestHandler: handler(), maxAttempts: 3 });

  constructor(private readonly topicArn: string) {}

  async notify(subject: string, message: string): Promise<void> {
    await this.client.send(
      new PublishCommand({ TopicArn: this.topicArn, Subject: subject.slice(0, 99), Message: message }),
    );
  }
}
