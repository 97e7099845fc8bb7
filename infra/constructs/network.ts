import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53resolver from 'aws-cdk-lib/aws-route53resolver';
import { Construct } from 'constructs';
import { retainPolicy, type StageConfig } from '../config/stages.js';

/**
 * The VPC's address range, a literal (not the VPC's CidrBlock token) so rules that use it
 * can be checked at synth time, by cdk-nag among others.
 */
export const VPC_CIDR = '10.40.0.0/16';

/** Subnet groups of the VPC: where each kind of resource goes. */
export const SUBNETS = {
  /** NAT gateways only: nothing of ours has a public address. */
  public: 'public',
  /** Lambdas, the Fargate ingester and the interface endpoints: egress through NAT. */
  app: 'app',
  /** Aurora, RDS Proxy and ElastiCache: no route to or from the internet at all. */
  data: 'data',
} as const;

/**
 * Domains the VPC may resolve (Route 53 Resolver DNS Firewall), everything else gets
 * NXDOMAIN. This is the old platform's egress network policy (Kraken and CoinGecko only)
 * plus the AWS APIs the code and the platform call (through endpoints or NAT).
 */
export const EGRESS_ALLOWED_DOMAINS: readonly string[] = [
  // Kraken WebSocket v2 (public and authenticated) and REST (CancelAll from the kill executor).
  'ws.kraken.com',
  'ws-auth.kraken.com',
  'api.kraken.com',
  // CoinGecko reference prices (demo and pro hosts).
  'api.coingecko.com',
  'pro-api.coingecko.com',
  // AWS service endpoints (interface endpoints answer these names privately; ECR image
  // layers come from S3) and the VPC's own internal names. The account feed reaches the
  // stage's trading API on its regional name ({id}.execute-api.{region}.amazonaws.com)
  // through NAT: no execute-api interface endpoint here, whose private DNS would capture
  // that name and answer 403 for a regional (non-private) API.
  '*.amazonaws.com',
  '*.compute.internal',
  '*.ec2.internal',
];

/** Interface endpoints every stage gets: the AWS APIs functions and the ingester call. */
const INTERFACE_ENDPOINTS: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
  Kinesis: ec2.InterfaceVpcEndpointAwsService.KINESIS_STREAMS,
  // The stream consumers (market evaluator, positions) park poison records in their SQS DLQ
  // from inside the VPC with no internet egress; without it a poison record holds its shard.
  Sqs: ec2.InterfaceVpcEndpointAwsService.SQS,
  SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  Monitoring: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
  Sts: ec2.InterfaceVpcEndpointAwsService.STS,
  // The ingester's image pull stays inside the VPC too (layers come via the S3 gateway).
  Ecr: ec2.InterfaceVpcEndpointAwsService.ECR,
  EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
};

export interface NetworkProps {
  readonly stageConfig: StageConfig;
}

/**
 * The stage's VPC: public subnets hold only NAT gateways, `app` subnets hold compute,
 * `data` subnets hold the stores and have no route out. Security groups start closed in
 * both directions; stores open only their port to the groups named for them.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  /** Interface endpoints by name (Kinesis, SecretsManager, Logs, …), for `connections`. */
  readonly endpoints: Record<string, ec2.InterfaceVpcEndpoint> = {};
  /** Lambdas that reach the stores and AWS APIs but never the internet. */
  readonly functionsSecurityGroup: ec2.SecurityGroup;
  /** Lambdas that must also call Kraken or CoinGecko (HTTPS out, DNS allow-listed). */
  readonly externalApiSecurityGroup: ec2.SecurityGroup;
  /** The Fargate market-data ingester: Redis, AWS APIs, and HTTPS to Kraken/CoinGecko. */
  readonly ingesterSecurityGroup: ec2.SecurityGroup;
  /** The account feed: like the ingester's, without the database (it never reads PostgreSQL). */
  readonly accountFeedSecurityGroup: ec2.SecurityGroup;
  readonly flowLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { stageConfig } = props;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(VPC_CIDR),
      maxAzs: stageConfig.azCount,
      natGateways: stageConfig.network.natGateways,
      natGatewaySubnets: { subnetGroupName: SUBNETS.public },
      subnetConfiguration: [
        { name: SUBNETS.public, subnetType: ec2.SubnetType.PUBLIC, cidrMask: 26, mapPublicIpOnLaunch: false },
        { name: SUBNETS.app, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: SUBNETS.data, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // The restriction is a custom resource (a Lambda on the account-wide basic execution
      // role); nothing is ever placed in the default group, every resource names its own.
      restrictDefaultSecurityGroup: false,
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [{ subnetGroupName: SUBNETS.app }] },
      },
    });

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: stageConfig.logRetention,
      removalPolicy: retainPolicy(stageConfig),
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: ec2.FlowLogTrafficType[stageConfig.network.flowLogTraffic],
    });

    const appSubnets: ec2.SubnetSelection = { subnetGroupName: SUBNETS.app };
    const endpointServices: Record<string, ec2.IInterfaceVpcEndpointService> = { ...INTERFACE_ENDPOINTS };
    if (stageConfig.timestream.enabled) {
      endpointServices.TimestreamIngest = new ec2.InterfaceVpcEndpointService(
        `com.amazonaws.${stageConfig.region}.timestream.ingest-${stageConfig.timestream.ingestCell}`,
        443,
      );
    }
    for (const [name, service] of Object.entries(endpointServices)) {
      const endpoint = this.vpc.addInterfaceEndpoint(name, {
        service,
        subnets: appSubnets,
        privateDnsEnabled: true,
        open: false,
      });
      // Anything in the VPC may reach the endpoints on 443 (IAM still decides what each
      // caller may do); narrower would have to track the SAR-hosted rotation function too.
      endpoint.connections.allowFrom(ec2.Peer.ipv4(VPC_CIDR), ec2.Port.tcp(443), 'HTTPS from inside the VPC');
      this.endpoints[name] = endpoint;
    }

    const https = ec2.Port.tcp(443);
    this.functionsSecurityGroup = new ec2.SecurityGroup(this, 'FunctionsSecurityGroup', {
      vpc: this.vpc,
      description: 'Lambdas that reach the DB proxy, Redis and AWS APIs through endpoints; no internet',
      allowAllOutbound: false,
    });
    this.functionsSecurityGroup.addEgressRule(ec2.Peer.ipv4(VPC_CIDR), https, 'AWS APIs through interface endpoints');

    this.externalApiSecurityGroup = new ec2.SecurityGroup(this, 'ExternalApiSecurityGroup', {
      vpc: this.vpc,
      description: 'HTTPS out to Kraken and CoinGecko (names allow-listed by the DNS firewall)',
      allowAllOutbound: false,
    });
    this.externalApiSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), https, 'HTTPS to Kraken and CoinGecko');

    this.ingesterSecurityGroup = new ec2.SecurityGroup(this, 'IngesterSecurityGroup', {
      vpc: this.vpc,
      description: 'Market-data ingester: Redis, AWS APIs, WSS/HTTPS to Kraken and CoinGecko',
      allowAllOutbound: false,
    });
    this.ingesterSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), https, 'WSS/HTTPS to Kraken, CoinGecko, AWS APIs');

    // Its own group: the ingester's now reaches RDS Proxy, and a task holding Kraken trading
    // keys has no business with the database.
    this.accountFeedSecurityGroup = new ec2.SecurityGroup(this, 'AccountFeedSecurityGroup', {
      vpc: this.vpc,
      description: 'Account feed: Redis, AWS APIs, WSS/HTTPS to Kraken; no database',
      allowAllOutbound: false,
    });
    this.accountFeedSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), https, 'WSS/HTTPS to Kraken, AWS APIs');

    if (stageConfig.network.dnsEgressAllowlist) this.addDnsEgressAllowlist();
  }

  /**
   * Security groups cannot name domains; the DNS firewall can. The VPC resolver answers
   * only allow-listed names, so code that tries any other host fails to resolve it. An
   * attacker with a hard-coded IP is still stopped only by the 443-only egress rules; AWS
   * Network Firewall (SNI filtering) would close that, at about $300/month per AZ.
   */
  private addDnsEgressAllowlist(): void {
    const allowed = new route53resolver.CfnFirewallDomainList(this, 'AllowedDomains', {
      domains: [...EGRESS_ALLOWED_DOMAINS],
    });
    const everything = new route53resolver.CfnFirewallDomainList(this, 'AllDomains', { domains: ['*'] });
    const rules = new route53resolver.CfnFirewallRuleGroup(this, 'EgressRules', {
      firewallRules: [
        { firewallDomainListId: allowed.attrId, priority: 100, action: 'ALLOW' },
        { firewallDomainListId: everything.attrId, priority: 200, action: 'BLOCK', blockResponse: 'NXDOMAIN' },
      ],
    });
    new route53resolver.CfnFirewallRuleGroupAssociation(this, 'EgressRulesAssociation', {
      firewallRuleGroupId: rules.attrId,
      vpcId: this.vpc.vpcId,
      priority: 101,
      mutationProtection: 'DISABLED',
    });
  }
}
