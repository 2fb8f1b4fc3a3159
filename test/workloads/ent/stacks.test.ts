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

  it('holds the replication destination bucket, which does not replicate back', () => {
    secondaryData.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'rempart-dev-ent-docs-111111111111-eu-central-1',
      VersioningConfiguration: { Status: 'Enabled' },
      ReplicationConfiguration: Match.absent(),
    });
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

  it('offers no public path: internal load balancer, HTTPS from the CloudFront prefix list of eu-west-3 only', () => {
    primaryService.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
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

  it('terminates HTTPS with a DNS-validated certificate for its regional origin name', () => {
    primaryService.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'origin-eu-west-3.ent.rempart-demo.fr',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [
        { DomainName: 'origin-eu-west-3.ent.rempart-demo.fr', HostedZoneId: 'Z0REMPARTDEMO00000000' },
      ],
    });
    primaryService.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'HTTPS',
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
    });
    expect(primary.service.originDomainName).toBe('origin-eu-west-3.ent.rempart-demo.fr');
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
    expect(taskPolicy).toMatch(/arn:aws:s3:::rempart-dev-ent-docs-111111111111-eu-west-3\/\*/);
    const actions = [...taskPolicy.matchAll(/"((?:sqs|dynamodb|s3|kms):[A-Za-z*]+)"/g)].map((m) => m[1]);
    expect(actions.filter((a) => a?.includes('*'))).toEqual([]);
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
