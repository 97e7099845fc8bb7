/**
 * Outbound channels of the controls use cases (kill switch engage, kill executor): ports
 * only; the AWS adapters are in shared/adapters/aws-channels.ts.
 */
export interface EventPublisher {
  publish(event: object, detailType: string): Promise<void>;
}

export interface Notifier {
  notify(subject: string, message: string): Promise<void>;
}
