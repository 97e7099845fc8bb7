import { ArnFormat, type CfnResource, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DATABASE_ROLES, type DatabaseUnit, databaseLoginUser, SERVICE_NAME } from '../../shared/names.js';
import { retainPolicy, type StageConfig } from '../config/stages.js';
import { NagSuppressions } from '../nag.js';
import { acknowledgeScanFindings } from '../scan-acknowledgements.js';
import { SUBNETS } from './network.js';

/** The database the migrations create their tables in. */
export const DATABASE_NAME = 'riskgate';
/**
 * The master user, whose rotated secret the proxy holds: the migrator connects as it, owns
 * the schema and creates the units' roles (migration 011). No other function connects as it.
 */
export const DATABASE_ADMIN_USER = 'riskgate_admin';
export const DATABASE_PORT = 5432;

/** Who a function connects to the database as: a unit's own login user, or the migrator. */
export type DatabaseClient = DatabaseUnit | 'migrator';

/** The database user of a {@link DatabaseClient}. */
export function databaseUserOf(client: DatabaseClient): string {
  return client === 'migrator' ? DATABASE_ADMIN_USER : databaseLoginUser(client);
}

export interface DatabaseProps {
  readonly stageConfig: StageConfig;
  readonly vpc: ec2.IVpc;
  /** Encrypts storage, Performance Insights and the credentials secret. */
  readonly dataKey: kms.IKey;
  /** Endpoint the rotation function calls Secrets Manager through (no NAT needed). */
  readonly secretsManagerEndpoint: ec2.IInterfaceVpcEndpoint;
}

/**
 * Aurora PostgreSQL Serverless v2 behind RDS Proxy. Writer plus `readers` in other AZs
 * (each a failover target), TLS forced by parameter, storage and PI encrypted with the
 * stage key, admin credentials generated into Secrets Manager and rotated, backups and
 * PITR for the configured window, deletion protection and RETAIN where the stage asks.
 * Clients (Lambdas) reach the proxy only, with IAM auth and TLS; never the cluster.
 */
export class Database extends Construct {
  readonly cluster: rds.DatabaseCluster;
  readonly proxy: rds.DatabaseProxy;
  readonly secret: secretsmanager.ISecret;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { stageConfig, vpc, dataKey } = props;
    const db = stageConfig.database;
    const dataSubnets: ec2.SubnetSelection = { subnetGroupName: SUBNETS.data };

    // cfn-lint knows which versions RDS still accepts for new clusters (16.6 no longer was);
    // minor upgrades then come from autoMinorVersionUpgrade on the instances.
    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_13 });
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: `${SERVICE_NAME} ${stageConfig.stage}: TLS only, slow statements logged`,
      parameters: {
        // The review found plaintext connection targets: refuse them at the server.
        'rds.force_ssl': '1',
        ssl_min_protocol_version: 'TLSv1.2',
        log_min_duration_statement: '500',
        idle_in_transaction_session_timeout: '60000',
      },
    });

    // A name of our own (stage-scoped, so two stages can share an account) because the
    // log group must exist, with its retention, before RDS starts exporting into it; and
    // an accidental replacement of the cluster then fails on the name instead of
    // silently creating an empty database.
    const clusterIdentifier = `${SERVICE_NAME}-${stageConfig.stage}-aurora`;
    this.logGroup = new logs.LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      retention: stageConfig.logRetention,
      removalPolicy: retainPolicy(stageConfig),
    });

    const securityGroup = new ec2.SecurityGroup(this, 'ClusterSecurityGroup', {
      vpc,
      description: 'Aurora cluster: reachable only from RDS Proxy and the rotation function',
      allowAllOutbound: false,
    });

    // Each instance pinned to its own AZ (writer in the first), so "a reader in another AZ"
    // is a property of the template rather than of RDS's placement choice.
    const zones = vpc.availabilityZones;
    const instance = (name: string, isReader: boolean, index: number) =>
      rds.ClusterInstance.serverlessV2(name, {
        availabilityZone: zones[index % zones.length],
        enablePerformanceInsights: db.performanceInsights,
        performanceInsightEncryptionKey: db.performanceInsights ? dataKey : undefined,
        caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
        publiclyAccessible: false,
        autoMinorVersionUpgrade: true,
        // A reader that scales with the writer is already sized for its load at failover.
        scaleWithWriter: isReader ? true : undefined,
      });

    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine,
      clusterIdentifier,
      parameterGroup,
      credentials: rds.Credentials.fromGeneratedSecret(DATABASE_ADMIN_USER, {
        encryptionKey: dataKey,
        // Characters that break connection strings and shell quoting.
        excludeCharacters: ' %+~`#$&*()|[]{}:;<>?!\'/@"\\',
      }),
      defaultDatabaseName: DATABASE_NAME,
      port: DATABASE_PORT,
      writer: instance('writer', false, 0),
      readers: Array.from({ length: db.readers }, (_, i) => instance(`reader${i + 1}`, true, i + 1)),
      serverlessV2MinCapacity: db.minCapacityAcu,
      serverlessV2MaxCapacity: db.maxCapacityAcu,
      vpc,
      vpcSubnets: dataSubnets,
      securityGroups: [securityGroup],
      storageEncrypted: true,
      storageEncryptionKey: dataKey,
      iamAuthentication: true,
      backup: { retention: Duration.days(db.backupRetentionDays), preferredWindow: '01:00-02:00' },
      preferredMaintenanceWindow: 'sun:03:00-sun:04:00',
      copyTagsToSnapshot: true,
      deletionProtection: db.deletionProtection,
      removalPolicy: stageConfig.statefulRemovalPolicy,
      // Keep automated backups after a deletion wherever the stage keeps data at all.
      deleteAutomatedBackups: stageConfig.statefulRemovalPolicy === RemovalPolicy.DESTROY,
      cloudwatchLogsExports: ['postgresql'],
      monitoringInterval: db.enhancedMonitoringSeconds > 0 ? Duration.seconds(db.enhancedMonitoringSeconds) : undefined,
    });
    // The DB cluster resource alone waits for its log group: a construct dependency would
    // also hold back the proxy, its role among them, whose key grant the stage key's policy
    // names; with the log group under that key, that closes a cycle.
    (this.cluster.node.defaultChild as CfnResource).addResourceDependency(
      this.logGroup.node.defaultChild as CfnResource,
    );
    if (db.enhancedMonitoringSeconds === 0) {
      for (const instance of this.cluster.node.findAll().filter((c) => c instanceof rds.CfnDBInstance)) {
        acknowledgeScanFindings(instance, [
          {
            id: 'CKV_AWS_118',
            reason: `stage ${stageConfig.stage} turns enhanced monitoring off (database.enhancedMonitoringSeconds = 0); CloudWatch metrics and Performance Insights remain`,
          },
        ]);
      }
    }
    if (!this.cluster.secret) throw new Error('the cluster was built without a generated secret');
    this.secret = this.cluster.secret;
    // Losing the secret of a retained cluster would leave it reachable only by a password
    // reset; keep the two together. (`cluster.secret` is the target attachment; the
    // generated secret itself is the cluster's `Secret` child.)
    const generatedSecret = this.cluster.node.tryFindChild('Secret');
    if (!(generatedSecret instanceof rds.DatabaseSecret))
      throw new Error('the cluster has no generated DatabaseSecret');
    generatedSecret.applyRemovalPolicy(retainPolicy(stageConfig));

    this.cluster.addRotationSingleUser({
      automaticallyAfter: Duration.days(db.credentialRotationDays),
      vpcSubnets: { subnetGroupName: SUBNETS.app },
      endpoint: props.secretsManagerEndpoint,
    });

    const proxySecurityGroup = new ec2.SecurityGroup(this, 'ProxySecurityGroup', {
      vpc,
      description: 'RDS Proxy: reachable only from the function security groups granted access',
      allowAllOutbound: false,
    });
    this.proxy = this.cluster.addProxy('Proxy', {
      // CloudFormation-style unique name: a fixed id would collide between two stages.
      dbProxyName: Names.uniqueResourceName(this, { maxLength: 60, separator: '-' }).replace(/^[^A-Za-z]+/, ''),
      secrets: [this.secret],
      vpc,
      vpcSubnets: dataSubnets,
      securityGroups: [proxySecurityGroup],
      requireTLS: true,
      iamAuth: true,
      // End-to-end IAM auth for every user without a secret: the units' login users (members
      // of rds_iam, migration 011) have no password at all, so none can leak or need
      // rotating; the proxy signs in to Aurora as them with its own role (granted below).
      // The master user keeps its rotated secret (the rotation function needs a password).
      defaultAuthScheme: rds.DefaultAuthScheme.IAM_AUTH,
      borrowTimeout: Duration.seconds(5),
      idleClientTimeout: Duration.minutes(15),
      maxConnectionsPercent: 90,
      debugLogging: false,
    });
    // The proxy opens connections to the cluster (the proxy target adds the ingress rule).
    proxySecurityGroup.addEgressRule(securityGroup, ec2.Port.tcp(DATABASE_PORT), 'Proxy to the Aurora cluster');
    this.allowProxyToSignInAsUnits();

    this.suppressFindings(stageConfig);
  }

  /** Lets a function's security group reach the proxy (the only way into the database). */
  allowClientsFrom(client: ec2.IConnectable, description: string): void {
    this.proxy.connections.allowFrom(client, ec2.Port.tcp(DATABASE_PORT), description);
  }

  /** IAM permission to open connections through the proxy as that client's user, and no other. */
  grantConnect(grantee: iam.IGrantable, client: DatabaseClient): iam.Grant {
    return this.proxy.grantConnect(grantee, databaseUserOf(client));
  }

  /**
   * End-to-end IAM auth: the proxy's role connects to the cluster as each unit's login
   * user (`rds-db:connect` on the cluster's resource id), never as the master user.
   */
  private allowProxyToSignInAsUnits(): void {
    const proxyRole = this.proxy.node.tryFindChild('IAMRole');
    if (!(proxyRole instanceof iam.Role)) throw new Error('the proxy has no IAMRole of its own');
    const stack = Stack.of(this);
    proxyRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['rds-db:connect'],
        resources: (Object.keys(DATABASE_ROLES) as DatabaseUnit[]).map((unit) =>
          stack.formatArn({
            service: 'rds-db',
            resource: 'dbuser',
            resourceName: `${this.cluster.clusterResourceIdentifier}/${databaseLoginUser(unit)}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
  }

  private suppressFindings(stageConfig: StageConfig): void {
    NagSuppressions.addResourceSuppressions(this.cluster, [
      {
        id: 'AwsSolutions-RDS11',
        reason:
          'RDS Proxy listens on 5432 whatever the cluster port is, and only the proxy security group can reach ' +
          'the cluster; a non-default port would add a difference without adding protection.',
      },
    ]);
    if (!stageConfig.database.deletionProtection) {
      NagSuppressions.addResourceSuppressions(this.cluster, [
        {
          id: 'AwsSolutions-RDS10',
          reason: `The ${stageConfig.stage} stage holds no data worth keeping and is torn down with its stack; staging and prod keep deletion protection on (guarded by stageConfig).`,
        },
      ]);
    }
    if (this.cluster.monitoringRole) {
      NagSuppressions.addResourceSuppressions(this.cluster.monitoringRole, [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            'AmazonRDSEnhancedMonitoringRole is the AWS-maintained policy RDS requires for enhanced monitoring; it ' +
            'only allows writing to the RDSOSMetrics log group.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole'],
        },
      ]);
    }
  }
}
