import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { krakenKeySecretPrefix, SERVICE_NAME } from '../../shared/names.js';
import { retainPolicy, type StageConfig } from '../config/stages.js';
import { NagSuppressions } from '../nag.js';

export interface ApiKeySecretsProps {
  readonly stageConfig: StageConfig;
  readonly dataKey: kms.IKey;
}

/**
 * Third-party API keys. The CoinGecko demo key is one secret created here with a random
 * placeholder that an operator overwrites (`aws secretsmanager put-secret-value`); Kraken
 * keys are one secret per trading account, created by an operator under the name
 * {@link krakenKeySecretName} so that no key ever passes through a template or a deploy.
 */
export class ApiKeySecrets extends Construct {
  readonly coingeckoApiKey: secretsmanager.Secret;
  private readonly stage: string;
  private readonly dataKey: kms.IKey;

  constructor(scope: Construct, id: string, props: ApiKeySecretsProps) {
    super(scope, id);
    this.stage = props.stageConfig.stage;
    this.dataKey = props.dataKey;
    this.coingeckoApiKey = new secretsmanager.Secret(this, 'CoinGeckoApiKey', {
      description: `${SERVICE_NAME} ${this.stage} CoinGecko demo API key (set by an operator)`,
      encryptionKey: props.dataKey,
      removalPolicy: retainPolicy(props.stageConfig),
    });
    NagSuppressions.addResourceSuppressions(this.coingeckoApiKey, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'A CoinGecko key can only be re-issued in the CoinGecko dashboard, so rotation is the manual runbook ' +
          'step (new key, put-secret-value), not a Lambda; readers cache it at most 5 minutes.',
      },
    ]);
  }

  /** ARN pattern of every Kraken key secret of this stage (Secrets Manager adds a 6-char suffix). */
  krakenKeysArnPattern(): string {
    return Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${krakenKeySecretPrefix(this.stage)}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /**
   * Read access to this stage's Kraken keys (only these: the prefix carries the stage), and
   * decrypt with the stage key through Secrets Manager only.
   */
  grantReadKrakenKeys(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resourceArns: [this.krakenKeysArnPattern()],
    });
    this.dataKey.grant(grantee, 'kms:Decrypt');
    const principal = grantee.grantPrincipal;
    if (!Construct.isConstruct(principal)) return grant;
    const escapedPrefix = krakenKeySecretPrefix(this.stage).replaceAll('/', '\\/');
    NagSuppressions.addResourceSuppressions(
      principal,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Kraken keys are one secret per trading account, created by operators after deploy; the wildcard is ' +
            "the stage's own naming prefix (krakenKeySecretName), never another stage or service.",
          appliesTo: [{ regex: `/^Resource::arn:<AWS::Partition>:secretsmanager:.*:secret:${escapedPrefix}\\*$/g` }],
        },
      ],
      true,
    );
    return grant;
  }
}
