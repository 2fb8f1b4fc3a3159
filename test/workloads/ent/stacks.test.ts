import { Match, Template } from 'aws-cdk-lib/assertions';
import type { RempartConfig } from '../../../lib/config/schema';
import { EntDataStack } from '../../../lib/workloads/ent/data-stack';
import { entCapacity } from '../../../lib/workloads/ent/capacity';
import { EntServiceStack, schoolMorningSchedules } from '../../../lib/workloads/ent/service-stack';
import { testApp, testConfig } from '../../helpers/synth';

/** Both Regions' ENT stacks, in an app of their own (the whole app and its packs are tested in test/app). */
function entStacks(config: RempartConfig) {
  const app = testApp();
  const make = (region: string, isPrimary: boolean) => {
    const data = new EntDataStack(app, `Data-${region}`, {
      config,
      isPrimary,
      env: { account: '111111111111', region },
    });
    const service = new EntServiceStack(app, `Service-${region}`, {
      config,
      data,
      env: { account: '111111111111', region },
    });
    return { data, service };
  };
  return { primary: make(config.regions.primary, true), secondary: make(config.regions.secondary, false) };
}

const config = testConfig();
const { primary, secondary } = entStacks(config);
const primaryData = Template.fromStack(primary.data);
const primaryService = Template.fromStack(primary.service);
const secondaryData = Template.fromStack(secondary.data);
const secondaryService = Template.fromStack(secondary.service);

describe('ENT data, primary Region (eu-west-3)', () => {
  it('declares the sessions global table with a replica in the secondary Region, under its key alias, with TTL', () => {
    primaryData.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'Rempart-dev-ent-sessions',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      Replicas: Match.arrayWith([
        Match.objectLike({
          Region: 'eu-central-1',
          SSESpecification: {
            KMSMasterKeyId: 'arn:aws:kms:eu-central-1:111111111111:alias/rempart/dev/ent-data',
          },
          PointInTimeRecoverySpecification: Match.objectLike({ PointInTimeRecoveryEnabled: true }),
          DeletionProtectionEnabled: true,
        }),
        Match.objectLike({ Region: 'eu-west-3' }),
      ]),
    });
  });

  it('keeps documents in a versioned, KMS-encrypted bucket replicated to the secondary Region', () => {
    primaryData.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'rempart-dev-ent-docs-111111111111-eu-west-3',
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      ReplicationConfiguration: {
        Role: Match.anyValue(),
        Rules: [
          Match.objectLike({
            Destination: Match.objectLike({
              Bucket: 'arn:aws:s3:::rempart-dev-ent-docs-111111111111-eu-central-1',
              EncryptionConfiguration: {
                ReplicaKmsKeyID: 'arn:aws:kms:eu-central-1:111111111111:alias/rempart/dev/ent-data',
              },
              ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
            }),
          }),
        ],
      },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            NoncurrentVersionExpiration: { NoncurrentDays: 90 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          }),
        ],
      },
    });
  });

  it('names its data key with the alias the other Region refers to, rotation on, retained', () => {
    primaryData.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/rempart/dev/ent-data' });
    primaryData.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ EnableKeyRotation: true }),
    });
  });

  it('is protected from deletion', () => {
    expect(primary.data.terminationProtection).toBe(true);
  });
});

describe('ENT data, secondary Region (eu-central-1)', () => {
  it('imports the sessions replica by name instead of declaring a second table', () => {
    secondaryData.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    expect(secondary.data.sessionsStore).toBeUndefined();
    expect(secondary.service.node.tryFindChild('Web')).toBeDefined();
    secondaryService.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['dynamodb:GetItem', 'dynamodb:PutItem']),
            Resource: 'arn:aws:dynamodb:eu-central-1:111111111111:table/Rempart-dev-ent-sessions',
          }),
        ]),
      },
    });
  });

  it('holds the replication destination bucket; its rule back is set from the primary once both buckets exist', () => {
    secondaryData.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'rempart-dev-ent-docs-111111111111-eu-central-1',
      VersioningConfiguration: { Status: 'Enabled' },
      ReplicationConfiguration: Match.absent(),
    });
  });
});

describe('ENT documents replicate both ways, so writes made in the secondary after a failover come back', () => {
  const bucket = Object.values(primaryData.findResources('AWS::S3::Bucket')).find(
    (b) => b.Properties.BucketName === 'rempart-dev-ent-docs-111111111111-eu-west-3',
  );
  const back = Object.values(primaryData.findResources('Custom::S3ReplicateBack'))[0];
  const create = JSON.parse(
    back?.Properties.Create['Fn::Join'][1]
      .map((p: unknown) => (typeof p === 'string' ? p : 'TOKEN'))
      .join(''),
  ) as {
    service: string;
    action: string;
    region: string;
    parameters: { Bucket: string; ReplicationConfiguration: { Rules: Array<Record<string, unknown>> } };
  };

  it('syncs deletions and replica metadata changes on the primary rule (required on both rules for two-way)', () => {
    const [rule] = bucket?.Properties.ReplicationConfiguration.Rules as Array<Record<string, unknown>>;
    expect(rule).toMatchObject({
      DeleteMarkerReplication: { Status: 'Enabled' },
      SourceSelectionCriteria: {
        SseKmsEncryptedObjects: { Status: 'Enabled' },
        ReplicaModifications: { Status: 'Enabled' },
      },
    });
  });

  it("puts the secondary bucket's rule back to the primary, in the secondary Region, with the same syncs", () => {
    expect(create).toMatchObject({ service: 'S3', action: 'PutBucketReplication', region: 'eu-central-1' });
    expect(create.parameters.Bucket).toBe('rempart-dev-ent-docs-111111111111-eu-central-1');
    expect(create.parameters.ReplicationConfiguration.Rules).toEqual([
      expect.objectContaining({
        Status: 'Enabled',
        Filter: { Prefix: '' },
        DeleteMarkerReplication: { Status: 'Enabled' },
        SourceSelectionCriteria: {
          SseKmsEncryptedObjects: { Status: 'Enabled' },
          ReplicaModifications: { Status: 'Enabled' },
        },
        Destination: expect.objectContaining({
          ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
        }),
      }),
    ]);
    // Removed with the primary's stack.
    expect(JSON.stringify(back?.Properties.Delete)).toMatch(/DeleteBucketReplication/);
  });

  it("lets the rule-setter only put that one bucket's replication and pass the back role to S3", () => {
    primaryData.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('ReplicateBackRuleCustomResourcePolicy'),
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 's3:PutReplicationConfiguration',
            Resource: 'arn:aws:s3:::rempart-dev-ent-docs-111111111111-eu-central-1',
          }),
          Match.objectLike({
            Action: 'iam:PassRole',
            Condition: { StringEquals: { 'iam:PassedToService': 's3.amazonaws.com' } },
          }),
        ],
      },
    });
  });

  it("lets the back role read the secondary bucket and write replicas here under this Region's key only", () => {
    const policies = Object.values(primaryData.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes('ReplicateBackRole'),
    );
    const statements = policies.flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>,
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['s3:ReplicateDelete', 's3:ReplicateObject', 's3:ReplicateTags'],
        Resource: {
          'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Documents/), 'Arn'] }, '/*']],
        },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Condition: {
          StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' },
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/rempart/dev/ent-data' },
        },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-3.amazonaws.com' } },
      }),
    );
  });
});

describe('ENT service, primary Region', () => {
  it('spreads the service over the three configured zones of eu-west-3', () => {
    const zones = config.ent.network.availabilityZones['eu-west-3'] ?? [];
    expect(zones).toHaveLength(3);
    for (const zone of zones) {
      primaryService.hasResourceProperties('AWS::EC2::Subnet', {
        AvailabilityZone: zone,
        Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-name', Value: 'App' }]),
      });
    }
    primaryService.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({
          Subnets: Match.arrayWith([
            { Ref: Match.stringLikeRegexp('AppSubnet1') },
            { Ref: Match.stringLikeRegexp('AppSubnet3') },
          ]),
        }),
      },
    });
  });

  it('pre-scales to the static-stability floor (120 tasks) at 07:15 on school days, Europe/Paris, and back to 9 at 09:30', () => {
    primaryService.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 9,
      MaxCapacity: 180,
      ScheduledActions: [
        {
          ScheduledActionName: 'SchoolMorningPreScale',
          Schedule: 'cron(15 7 ? * MON,TUE,WED,THU,FRI *)',
          Timezone: 'Europe/Paris',
          ScalableTargetAction: { MinCapacity: 120, MaxCapacity: 180 },
        },
        {
          ScheduledActionName: 'SchoolMorningScaleIn',
          Schedule: 'cron(30 9 ? * MON,TUE,WED,THU,FRI *)',
          Timezone: 'Europe/Paris',
          ScalableTargetAction: { MinCapacity: 9, MaxCapacity: 180 },
        },
      ],
    });
    expect(primary.service.capacity.morningFloor).toBe(120);
  });

  it('tracks 10,500 requests per task per minute and 60% CPU', () => {
    primaryService.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }),
        TargetValue: 10_500,
      }),
    });
    primaryService.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 60 }),
    });
  });

  it('admits only CloudFront: internet-facing load balancer, HTTPS from the eu-west-3 CloudFront prefix list only', () => {
    primaryService.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Subnets: Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('IngressSubnet1') })]),
    });
    primaryService.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      SourcePrefixListId: 'pl-75b1541c',
      FromPort: 443,
      ToPort: 443,
    });
    const ingress = Object.values(primaryService.findResources('AWS::EC2::SecurityGroupIngress')).map(
      (r) => (r as { Properties: Record<string, unknown> }).Properties,
    );
    expect(ingress.filter((p) => p.CidrIp !== undefined || p.CidrIpv6 !== undefined)).toEqual([]);
    expect(primary.service.loadBalancer).toBe(primary.service.web.loadBalancer);
  });

  it('forwards only requests carrying the Region origin secret; any other gets a 403 from the load balancer', () => {
    primaryService.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'HTTPS',
      DefaultActions: [
        {
          Type: 'fixed-response',
          FixedResponseConfig: { StatusCode: '403', ContentType: 'text/plain', MessageBody: 'Forbidden' },
        },
      ],
    });
    const secretRef = { Ref: Match.stringLikeRegexp('^OriginSecret') };
    primaryService.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Actions: [Match.objectLike({ Type: 'forward' })],
      Conditions: [
        {
          Field: 'http-header',
          HttpHeaderConfig: {
            HttpHeaderName: 'x-rempart-origin-verify-ent-eu-west-3',
            Values: [{ 'Fn::Join': ['', ['{{resolve:secretsmanager:', secretRef, ':SecretString:::}}']] }],
          },
        },
      ],
    });
    // The value is generated in the Region, under a key of its own, and replicated where CloudFront's stack reads it.
    primaryService.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'rempart/origin-verify/ent/eu-west-3',
      GenerateSecretString: Match.objectLike({ PasswordLength: 48 }),
      KmsKeyId: Match.anyValue(),
      ReplicaRegions: [{ Region: 'us-east-1' }],
    });
    expect(primary.service.originHeaderName).toBe('x-rempart-origin-verify-ent-eu-west-3');
  });

  it('terminates HTTPS for its pinned name and the failover name, with the pinned name aliased to the load balancer', () => {
    primaryService.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'origin-eu-west-3.ent.rempart-demo.fr',
      SubjectAlternativeNames: ['origin.ent.rempart-demo.fr'],
      ValidationMethod: 'DNS',
    });
    primaryService.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'HTTPS',
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
    });
    primaryService.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'origin-eu-west-3.ent.rempart-demo.fr.',
      Type: 'A',
      AliasTarget: Match.objectLike({ DNSName: Match.anyValue() }),
    });
    // The failover name is not here: the resilience stack owns it, health-checked.
    expect(JSON.stringify(primaryService.findResources('AWS::Route53::RecordSet'))).not.toMatch(
      /"origin\.ent\./,
    );
    expect(primary.service.originDomainName).toBe('origin-eu-west-3.ent.rempart-demo.fr');
    expect(primary.service.failoverDomainName).toBe('origin.ent.rempart-demo.fr');
  });

  it('lets the tasks send HTTPS and nothing else', () => {
    const sg = Object.values(primaryService.findResources('AWS::EC2::SecurityGroup')).find((r) =>
      String(r.Properties.GroupDescription).startsWith('Fargate tasks'),
    );
    expect(sg?.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
  });

  it('keeps VPC flow logs a year under the customer-managed log key', () => {
    const flowLog = Object.values(primaryService.findResources('AWS::EC2::FlowLog'))[0];
    const groupId = (flowLog?.Properties.LogGroupName as { Ref: string }).Ref;
    const group = primaryService.toJSON().Resources[groupId] as { Properties: Record<string, unknown> };
    expect(group.Properties.RetentionInDays).toBeGreaterThanOrEqual(365);
    expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LogKey/), 'Arn'] });
    expect(flowLog?.Properties.TrafficType).toBe('ALL');
  });

  it('buffers heavy writes in a KMS-encrypted queue with a dead-letter queue', () => {
    primaryService.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 120,
      MessageRetentionPeriod: 4 * 86_400,
      KmsMasterKeyId: Match.anyValue(),
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    primaryService.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 86_400,
      RedrivePolicy: Match.absent(),
    });
  });

  it('runs the configured image as uid 101 and reads its secret by name from Secrets Manager', () => {
    primaryService.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Image: 'public.ecr.aws/nginx/nginx-unprivileged:stable',
          User: '101',
          ReadonlyRootFilesystem: true,
          Secrets: Match.arrayWith([
            {
              Name: 'ENT_SESSION_SIGNING_KEY',
              ValueFrom:
                'arn:aws:secretsmanager:eu-west-3:111111111111:secret:rempart/ent/session-signing-key',
            },
          ]),
        }),
      ],
    });
  });

  it('grants the task exactly the queue, table, documents and key actions it needs, without wildcard actions', () => {
    const policies = Object.values(primaryService.findResources('AWS::IAM::Policy')).map((p) =>
      JSON.stringify(p),
    );
    const taskPolicy = policies.find((p) => p.includes('sqs:SendMessage')) ?? '';
    expect(taskPolicy).toMatch(/dynamodb:PutItem/);
    const actions = [...taskPolicy.matchAll(/"((?:sqs|dynamodb|s3|kms):[A-Za-z*]+)"/g)].map((m) => m[1]);
    expect(actions.filter((a) => a?.includes('*'))).toEqual([]);
  });

  it('lets the task reach only its configured document prefixes, current versions only, the key only through its services', () => {
    const statements = Object.values(primaryService.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p).includes('sqs:SendMessage'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
    const bucket = 'arn:aws:s3:::rempart-dev-ent-docs-111111111111-eu-west-3';
    const s3 = statements.filter((st) => JSON.stringify(st.Action).includes('s3:'));
    expect(s3).toEqual([
      expect.objectContaining({
        Action: 's3:ListBucket',
        Resource: bucket,
        Condition: { StringLike: { 's3:prefix': ['homework/*', 'attachments/*', 'courses/*'] } },
      }),
      expect.objectContaining({
        Action: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject'],
        Resource: [`${bucket}/attachments/*`, `${bucket}/courses/*`, `${bucket}/homework/*`],
      }),
    ]);
    expect(JSON.stringify(s3)).not.toMatch(/GetObjectVersion|DeleteObjectVersion|"[^"]*eu-west-3\/\*"/);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Condition: {
          StringEquals: {
            'kms:ViaService': [
              's3.eu-west-3.amazonaws.com',
              'sqs.eu-west-3.amazonaws.com',
              'dynamodb.eu-west-3.amazonaws.com',
            ],
          },
        },
      }),
    );
  });
});

describe('ENT service, secondary Region (hot standby by default)', () => {
  it('pre-scales the secondary Region on school mornings too', () => {
    secondaryService.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 9,
      ScheduledActions: Match.arrayWith([
        Match.objectLike({
          ScheduledActionName: 'SchoolMorningPreScale',
          ScalableTargetAction: { MinCapacity: 120, MaxCapacity: 180 },
        }),
      ]),
    });
    expect(secondary.service.prescaled).toBe(true);
  });

  it('uses the zones and CloudFront prefix list of eu-central-1', () => {
    secondaryService.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: 'eu-central-1c' });
    secondaryService.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      SourcePrefixListId: 'pl-a3a144ca',
    });
  });
});

describe('ENT service, warm secondary with no internet egress and a private ECR image', () => {
  const warm = entStacks(
    testConfig({
      ent: {
        scaling: { secondaryRegion: 'warm' },
        network: { egress: 'endpoints' },
        containerImage: '{account}.dkr.ecr.{region}.amazonaws.com/ent/portal:1.4.2',
      },
    }),
  );
  const template = Template.fromStack(warm.secondary.service);

  it('keeps the off-peak static-stability floor without the school-morning schedule', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 9,
      MaxCapacity: 180,
      ScheduledActions: Match.absent(),
    });
    expect(warm.secondary.service.prescaled).toBe(false);
  });

  it("pulls the image from the Region's own ECR repository, with pull permissions on that repository only", () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Image: {
            'Fn::Join': [
              '',
              ['111111111111.dkr.ecr.eu-central-1.', { Ref: 'AWS::URLSuffix' }, '/ent/portal:1.4.2'],
            ],
          },
        }),
      ],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
            Resource: 'arn:aws:ecr:eu-central-1:111111111111:repository/ent/portal',
          }),
        ]),
      },
    });
  });

  it('has no NAT gateway', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
  });
});

describe('schoolMorningSchedules', () => {
  it('follows the configured days, times and time zone', () => {
    const ent = testConfig({
      ent: {
        surge: {
          schoolDays: ['MON', 'TUE', 'THU', 'FRI'],
          preScaleAt: '06:45',
          scaleInAt: '10:05',
          timeZone: 'Europe/Brussels',
        },
      },
    }).ent;
    const [preScale, scaleIn] = schoolMorningSchedules(ent, entCapacity(ent));
    expect(preScale?.schedule.expressionString).toBe('cron(45 6 ? * MON,TUE,THU,FRI *)');
    expect(scaleIn?.schedule.expressionString).toBe('cron(5 10 ? * MON,TUE,THU,FRI *)');
    expect(preScale?.timeZone.timezoneName).toBe('Europe/Brussels');
    expect([preScale?.minTasks, scaleIn?.minTasks]).toEqual([120, 9]);
  });
});
