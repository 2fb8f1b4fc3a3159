import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import * as rempart from '../../lib';
import { autoscaledWebServiceExample } from '../../examples/autoscaled-web-service';
import { chaosExperimentsExample } from '../../examples/chaos-experiments';
import { crossRegionBackupExample } from '../../examples/cross-region-backup';
import { ddosProtectionExample } from '../../examples/ddos-protection';
import { deadLetteredQueueExample } from '../../examples/dead-lettered-queue';
import { edgeFirewallExample } from '../../examples/edge-firewall';
import { globalTableStoreExample } from '../../examples/global-table-store';
import { logEncryptionKeyExample } from '../../examples/log-encryption-key';
import { queueBackedWriteApiExample } from '../../examples/queue-backed-write-api';
import { regionProbeExample } from '../../examples/region-probe';
import { regionalFailoverExample } from '../../examples/regional-failover';
import { regionalObservabilityExample } from '../../examples/regional-observability';
import { rempartFunctionExample } from '../../examples/rempart-function';
import { replicatedBucketExample } from '../../examples/replicated-bucket';
import { resiliencePolicyExample } from '../../examples/resilience-policy';
import { resilientDistributionExample } from '../../examples/resilient-distribution';
import { testApp } from '../helpers/synth';

const EXAMPLES_DIR = join(__dirname, '../../examples');

/** Each example in its own app, as a platform team would run it; synthesized once for the file. */
function run<T extends Stack | Record<string, Stack>>(example: (app: App) => T) {
  const app = testApp();
  const out = example(app);
  const stacks = out instanceof Stack ? { main: out } : out;
  const templates = Object.fromEntries(Object.entries(stacks).map(([k, s]) => [k, Template.fromStack(s)]));
  return { app, out, templates: templates as Record<keyof (T extends Stack ? { main: T } : T), Template> };
}

const examples = {
  'autoscaled-web-service.ts': run(autoscaledWebServiceExample),
  'chaos-experiments.ts': run(chaosExperimentsExample),
  'cross-region-backup.ts': run(crossRegionBackupExample),
  'ddos-protection.ts': run(ddosProtectionExample),
  'dead-lettered-queue.ts': run(deadLetteredQueueExample),
  'edge-firewall.ts': run(edgeFirewallExample),
  'global-table-store.ts': run(globalTableStoreExample),
  'log-encryption-key.ts': run(logEncryptionKeyExample),
  'queue-backed-write-api.ts': run(queueBackedWriteApiExample),
  'region-probe.ts': run(regionProbeExample),
  'regional-failover.ts': run(regionalFailoverExample),
  'regional-observability.ts': run(regionalObservabilityExample),
  'rempart-function.ts': run(rempartFunctionExample),
  'replicated-bucket.ts': run(replicatedBucketExample),
  'resilience-policy.ts': run(resiliencePolicyExample),
  'resilient-distribution.ts': run(resilientDistributionExample),
};
type ExampleFile = keyof typeof examples;

const deny = (condition: object) => Match.objectLike({ Effect: 'Deny', Condition: condition });

describe('examples/: what each example deploys', () => {
  it('AutoscaledWebService: internal HTTPS load balancer open to CloudFront only, pre-scaled school mornings', () => {
    const t = examples['autoscaled-web-service.ts'].templates.main;
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS' });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      SourcePrefixListId: 'pl-75b1541c',
      FromPort: 443,
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 9,
      MaxCapacity: 180,
      ScheduledActions: Match.arrayWith([
        {
          ScheduledActionName: 'SchoolMorning',
          Schedule: 'cron(15 7 ? * MON-FRI *)',
          Timezone: 'Europe/Paris',
          ScalableTargetAction: { MinCapacity: 120, MaxCapacity: 180 },
        },
      ]),
    });
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ User: '101', ReadonlyRootFilesystem: true })],
    });
  });

  it('ChaosExperiments: three bounded drills, each stopped by the Region health alarm', () => {
    const t = examples['chaos-experiments.ts'].templates.main;
    const templates = Object.values(t.findResources('AWS::FIS::ExperimentTemplate'));
    expect(templates).toHaveLength(3);
    for (const fis of templates) {
      expect(fis.Properties.StopConditions).toHaveLength(1);
      expect(fis.Properties.StopConditions[0].Source).toBe('aws:cloudwatch:alarm');
      expect(JSON.stringify(fis.Properties.StopConditions[0].Value)).toContain(
        ':alarm:MyService-eu-west-3-RegionHealth',
      );
    }
    t.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      Actions: {
        FailInvocations: Match.objectLike({ Parameters: Match.objectLike({ invocationPercentage: '20' }) }),
      },
    });
  });

  it('CrossRegionBackup: every recovery point copied to the locked vault of the third Region', () => {
    const { offsite, paris } = examples['cross-region-backup.ts'].templates;
    offsite.hasResource('AWS::Backup::BackupVault', {
      Properties: Match.objectLike({
        BackupVaultName: 'MyService-Offsite',
        LockConfiguration: { MinRetentionDays: 7, MaxRetentionDays: 400, ChangeableForDays: 3 },
      }),
      DeletionPolicy: 'Retain',
    });
    const copies = Object.values(paris.findResources('AWS::Backup::BackupPlan')).map((p) =>
      JSON.stringify(p.Properties.BackupPlan.BackupPlanRule[0].CopyActions),
    );
    expect(copies).toHaveLength(2);
    for (const copy of copies) expect(copy).toContain('arn:aws:backup:eu-west-1:');
    for (const copy of copies) expect(copy).toContain(':backup-vault:MyService-Offsite');
  });

  it('DdosProtection: both resources protected, application-layer mitigation in Count, detection on health', () => {
    const t = examples['ddos-protection.ts'].templates.main;
    t.resourceCountIs('AWS::Shield::Protection', 2);
    t.hasResourceProperties('AWS::Shield::Protection', {
      Name: 'site-distribution',
      ApplicationLayerAutomaticResponseConfiguration: { Status: 'ENABLED', Action: { Count: {} } },
      HealthCheckArns: [Match.anyValue()],
    });
    t.hasResourceProperties('AWS::Shield::ProtectionGroup', { Aggregation: 'MAX', Pattern: 'ARBITRARY' });
  });

  it('DeadLetteredQueue: KMS-encrypted queues, 5 receives before the DLQ, paged on the first dead letter', () => {
    const t = examples['dead-lettered-queue.ts'].templates.main;
    t.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 120,
      KmsMasterKeyId: Match.anyValue(),
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'MyService-eu-west-3-HomeworkSubmissionsQueueDlqNotEmpty',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [Match.anyValue()],
    });
  });

  it('EdgeFirewall: CLOUDFRONT-scope web ACL, per-person and per-address write limits, 429 with Retry-After, 413', () => {
    const t = examples['edge-firewall.ts'].templates.main;
    const acl = Object.values(t.findResources('AWS::WAFv2::WebACL'))[0].Properties as {
      Scope: string;
      Rules: Array<{
        Name: string;
        Statement: { RateBasedStatement?: Record<string, unknown> };
        Action: { Block?: { CustomResponse?: { ResponseCode: number; ResponseHeaders?: unknown[] } } };
      }>;
    };
    expect(acl.Scope).toBe('CLOUDFRONT');
    const rule = (name: string) => acl.Rules.find((r) => r.Name === name);
    expect(rule('Writes')?.Statement.RateBasedStatement).toMatchObject({
      Limit: 100,
      EvaluationWindowSec: 300,
      CustomKeys: [{ IP: {} }, { Cookie: expect.objectContaining({ Name: 'my-session' }) }],
    });
    expect(rule('Writes')?.Action.Block?.CustomResponse).toMatchObject({
      ResponseCode: 429,
      ResponseHeaders: expect.arrayContaining([{ Name: 'Retry-After', Value: '30' }]),
    });
    // Without the cookie: the address as a whole, sized for 40 people.
    expect(rule('WritesPerAddress')?.Statement.RateBasedStatement).toMatchObject({
      AggregateKeyType: 'IP',
      Limit: 4_000,
    });
    expect(rule('BodySizeLimit')?.Action.Block?.CustomResponse?.ResponseCode).toBe(413);
  });

  it('GlobalTableStore: strongly consistent across Paris and Frankfurt with an Irish witness, PITR, protected', () => {
    const { paris, frankfurt } = examples['global-table-store.ts'].templates;
    const replica = (region: string) =>
      Match.objectLike({
        Region: region,
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: Match.objectLike({ PointInTimeRecoveryEnabled: true }),
      });
    paris.hasResource('AWS::DynamoDB::GlobalTable', {
      Properties: Match.objectLike({
        MultiRegionConsistency: 'STRONG',
        GlobalTableWitnesses: [{ Region: 'eu-west-1' }],
        Replicas: Match.arrayWith([replica('eu-central-1'), replica('eu-west-3')]),
        WarmThroughput: { ReadUnitsPerSecond: 15_000, WriteUnitsPerSecond: 16_000 },
      }),
      DeletionPolicy: 'Retain',
    });
    for (const t of [paris, frankfurt]) {
      t.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/my-service/data' });
      t.hasResource('AWS::KMS::Key', {
        Properties: Match.objectLike({ EnableKeyRotation: true }),
        DeletionPolicy: 'Retain',
      });
    }
  });

  it('LogEncryptionKey: one rotated key for both log groups, usable by CloudWatch Logs of this Region only', () => {
    const t = examples['log-encryption-key.ts'].templates.main;
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.allResourcesProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogKey'), 'Arn'] },
    });
    t.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'logs.eu-west-3.amazonaws.com' },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('QueueBackedWriteApi: POST validated and sent to SQS by API Gateway, worker bounded, origin behind a regional web ACL', () => {
    const t = examples['queue-backed-write-api.ts'].templates.main;
    t.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestValidatorId: Match.anyValue(),
      Integration: Match.objectLike({
        Type: 'AWS',
        PassthroughBehavior: 'NEVER',
        Uri: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':sqs:path/')])] },
      }),
    });
    t.hasResourceProperties('AWS::ApiGateway::Model', {
      Schema: Match.objectLike({ required: ['email'], additionalProperties: false }),
    });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 10 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    // The regional web ACL blocks every request without the Region's origin header.
    const acl = Object.values(t.findResources('AWS::WAFv2::WebACL'))[0].Properties;
    expect(acl.Scope).toBe('REGIONAL');
    expect(acl.Rules[0]).toMatchObject({ Priority: 0, Action: { Block: {} } });
    expect(JSON.stringify(acl.Rules[0].Statement.NotStatement)).toContain(
      '"SingleHeader":{"Name":"x-origin-verify-eu-west-3"}',
    );
    t.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'writes.rdv.example.fr.',
      Region: 'eu-west-3',
    });
  });

  it('RegionProbe: a canary every minute, its alarm paging on-call and deciding the Region record', () => {
    const t = examples['region-probe.ts'].templates.main;
    t.hasResourceProperties('AWS::Synthetics::Canary', {
      Name: 'my-service-eu-west-3',
      Schedule: Match.objectLike({ Expression: 'rate(1 minute)' }),
      StartCanaryAfterCreation: true,
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'MyService-eu-west-3-Probe',
      MetricName: 'SuccessPercent',
      AlarmActions: ['arn:aws:sns:eu-west-3:111122223333:my-service-on-call'],
    });
    t.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({
        Type: 'CLOUDWATCH_METRIC',
        AlarmIdentifier: { Name: { Ref: Match.stringLikeRegexp('^ProbeSuccessAlarm') }, Region: 'eu-west-3' },
        InsufficientDataHealthStatus: 'Unhealthy',
      }),
    });
  });

  it('RegionalFailover: one metric health check per alarm, a calculated check needing all, a latency record', () => {
    const t = examples['regional-failover.ts'].templates.main;
    t.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({
        Type: 'CLOUDWATCH_METRIC',
        AlarmIdentifier: { Name: 'MyService-eu-central-1-Registrations-Probe', Region: 'eu-central-1' },
        InsufficientDataHealthStatus: 'Unhealthy',
      }),
    });
    t.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({
        AlarmIdentifier: {
          Name: 'MyService-eu-central-1-Registrations-ServerErrors',
          Region: 'eu-central-1',
        },
        InsufficientDataHealthStatus: 'Healthy',
      }),
    });
    t.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({ Type: 'CALCULATED', HealthThreshold: 2, Inverted: false }),
    });
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'origin.rdv.example.fr.',
      Region: 'eu-central-1',
      SetIdentifier: 'eu-central-1',
      HealthCheckId: Match.anyValue(),
    });
  });

  it('RegionalObservability: encrypted alert topic, replication latency alarm, composite Region health alarm', () => {
    const t = examples['regional-observability.ts'].templates.main;
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.fr' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ReplicationLatency',
      Dimensions: Match.arrayWith([{ Name: 'ReceivingRegion', Value: 'eu-central-1' }]),
    });
    t.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmName: 'MyService-eu-west-3-RegionHealth',
      AlarmActions: [Match.anyValue()],
    });
  });

  it('RempartFunction: Node.js 24 on arm64, traced, reserved concurrency, encrypted log group kept a year', () => {
    const t = examples['rempart-function.ts'].templates.main;
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      ReservedConcurrentExecutions: 5,
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue(), RetentionInDays: 365 });
  });

  it('ReplicatedBucket: Paris documents replicated with RTC into the Frankfurt bucket, under its key', () => {
    const { paris, frankfurt } = examples['replicated-bucket.ts'].templates;
    paris.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'my-service-documents-eu-west-3',
      ReplicationConfiguration: Match.objectLike({
        Rules: [
          Match.objectLike({
            Destination: Match.objectLike({
              Bucket: 'arn:aws:s3:::my-service-documents-eu-central-1',
              ReplicationTime: Match.objectLike({ Status: 'Enabled' }),
              EncryptionConfiguration: {
                ReplicaKmsKeyID: {
                  'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('alias/my-service/documents')])],
                },
              },
            }),
          }),
        ],
      }),
    });
    frankfurt.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'my-service-documents-eu-central-1',
      ReplicationConfiguration: Match.absent(),
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('ResiliencePolicy: Region loss within 15 min and 1 min of data, assessed daily', () => {
    const t = examples['resilience-policy.ts'].templates.main;
    t.hasResourceProperties('AWS::ResilienceHub::ResiliencyPolicy', {
      Tier: 'Critical',
      Policy: Match.objectLike({
        Region: { RtoInSecs: 900, RpoInSecs: 60 },
        AZ: { RtoInSecs: 300, RpoInSecs: 0 },
      }),
    });
    t.hasResourceProperties('AWS::ResilienceHub::App', { AppAssessmentSchedule: 'Daily' });
  });

  it('ResilientDistribution: TLS 1.2+, the web ACL, read failover between Regions, retry page for 5xx', () => {
    const t = examples['resilient-distribution.ts'].templates.main;
    const config = Object.values(t.findResources('AWS::CloudFront::Distribution'))[0].Properties
      .DistributionConfig;
    expect(config.ViewerCertificate).toMatchObject({
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    expect(config.WebACLId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Firewall/), 'Arn'] });
    expect(config.OriginGroups.Quantity).toBe(2);
    expect(config.CustomErrorResponses).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          ErrorCode: 503,
          ResponseCode: 503,
          ResponsePagePath: '/_errors/retry.html',
        }),
      ]),
    );
    t.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          StrictTransportSecurity: Match.objectLike({ Override: true }),
        }),
      }),
    });
  });

  it('every TLS-only queue and bucket policy refuses plain HTTP', () => {
    for (const file of ['dead-lettered-queue.ts', 'replicated-bucket.ts'] as const) {
      for (const t of Object.values(examples[file].templates)) {
        for (const type of ['AWS::SQS::QueuePolicy', 'AWS::S3::BucketPolicy']) {
          if (Object.keys(t.findResources(type)).length === 0) continue;
          t.allResourcesProperties(type, {
            PolicyDocument: {
              Statement: Match.arrayWith([deny({ Bool: { 'aws:SecureTransport': 'false' } })]),
            },
          });
        }
      }
    }
  });
});

describe('examples/ synthesize offline', () => {
  it.each(Object.keys(examples) as ExampleFile[])(
    '%s needs no context lookup (no AWS call at synth)',
    (file) => {
      expect(examples[file].app.synth().manifest.missing ?? []).toEqual([]);
    },
  );
});

describe('examples/ under Rempart’s compliance packs', () => {
  it.each(Object.keys(examples) as ExampleFile[])('%s has no unacknowledged finding', (file) => {
    const { app } = examples[file];
    const findings = rempart
      .compliancePacks(app)
      .flatMap((pack) =>
        pack
          .validateScope(app)
          .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`)),
      );
    expect(findings).toEqual([]);
  });
});

describe('examples/ cover the public constructs', () => {
  // The waiting room's example (examples/admission-control.ts) is tested with its construct.
  const OWN_TESTS = /^Admission/;
  type ConstructClass = abstract new (...args: never[]) => Construct;
  const exported = Object.entries(rempart as Record<string, unknown>)
    .filter(
      (entry): entry is [string, ConstructClass] =>
        typeof entry[1] === 'function' &&
        (entry[1] as { prototype?: unknown }).prototype instanceof Construct,
    )
    .filter(([name, ctor]) => !(ctor.prototype instanceof Stack) && !OWN_TESTS.test(name));
  const readme = readFileSync(join(EXAMPLES_DIR, 'README.md'), 'utf8');

  it('finds the constructs lib/index.ts exports (a guard on this test itself)', () => {
    expect(exported.map(([name]) => name)).toEqual(
      expect.arrayContaining(['RempartFunction', 'EdgeFirewall']),
    );
  });

  it.each(exported.map(([name, ctor]) => [name, ctor] as const))(
    '%s is listed in examples/README.md and built by the example listed there',
    (name, ctor) => {
      const row = readme.split('\n').find((line) => line.split('|')[1]?.trim() === `\`${name}\``);
      expect(row).toMatch(/\]\(([a-z0-9-]+\.ts)\)/);
      const file = /\]\(([a-z0-9-]+\.ts)\)/.exec(row ?? '')?.[1] ?? '';
      expect(existsSync(join(EXAMPLES_DIR, file))).toBe(true);
      expect(Object.keys(examples)).toContain(file);
      const built = examples[file as ExampleFile].app.node.findAll().filter((c) => c instanceof ctor);
      expect(built.length).toBeGreaterThan(0);
    },
  );
});

describe('examples/queue-backed-write-api.ts, OidcAuthorizer', () => {
  it('puts the OpenID Connect authorizer on the write, with the provider and pepper in its function', () => {
    const t = examples['queue-backed-write-api.ts'].templates.main;
    t.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST', AuthorizationType: 'CUSTOM' });
    t.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'REQUEST' });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ OIDC_ISSUER: 'https://auth.example.fr/realms/citoyens' }),
      },
    });
  });
});
