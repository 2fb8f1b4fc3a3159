import { TimeZone } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import {
  AutoscaledWebService,
  EgressMode,
  type AutoscaledWebServiceProps,
} from '../../lib/constructs/autoscaled-web-service/autoscaled-web-service';
import { testStack } from '../helpers/synth';

const ZONES = ['eu-west-3a', 'eu-west-3b', 'eu-west-3c'];
const PREFIX_LIST = 'pl-75b1541c';

function props(stack: Stack, overrides: Partial<AutoscaledWebServiceProps> = {}): AutoscaledWebServiceProps {
  return {
    availabilityZones: ZONES,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx-unprivileged:stable'),
    containerPort: 8080,
    user: '101',
    certificate: acm.Certificate.fromCertificateArn(
      stack,
      `Cert${stack.node.children.length}`,
      'arn:aws:acm:eu-west-3:111111111111:certificate/00000000-0000-0000-0000-000000000000',
    ),
    originPrefixListId: PREFIX_LIST,
    capacity: {
      minTasks: 9,
      maxTasks: 180,
      requestsPerTargetPerMinute: 10_500,
      schedules: [
        {
          id: 'SchoolMorning',
          schedule: appscaling.Schedule.cron({ minute: '15', hour: '7', weekDay: 'MON,TUE,WED,THU,FRI' }),
          timeZone: TimeZone.EUROPE_PARIS,
          minTasks: 120,
        },
      ],
    },
    ...overrides,
  };
}

describe('AutoscaledWebService with NAT egress (defaults)', () => {
  const stack = testStack();
  const web = new AutoscaledWebService(stack, 'Web', {
    ...props(stack),
    secrets: { ENT_DB_PASSWORD: secretsmanager.Secret.fromSecretNameV2(stack, 'Db', 'ent/db-password') },
    settings: { ENT_QUEUE_URL: 'https://sqs.eu-west-3.amazonaws.com/111111111111/q' },
  });
  const template = Template.fromStack(stack);

  it('places private subnets in exactly the three configured zones, with one NAT gateway per zone', () => {
    for (const zone of ZONES) {
      template.hasResourceProperties('AWS::EC2::Subnet', {
        AvailabilityZone: zone,
        MapPublicIpOnLaunch: false,
        Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-name', Value: 'App' }]),
      });
    }
    const zones = Object.values(template.findResources('AWS::EC2::Subnet')).map(
      (s) => (s as { Properties: { AvailabilityZone: string } }).Properties.AvailabilityZone,
    );
    expect([...new Set(zones)].sort()).toEqual(ZONES);
    template.resourceCountIs('AWS::EC2::NatGateway', 3);
    expect(web.vpc.availabilityZones).toEqual(ZONES);
  });

  it('logs VPC flows to an encrypted log group and closes the default security group', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
    template.allResourcesProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue() });
  });

  it('has free S3 and DynamoDB gateway endpoints', () => {
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    template.allResourcesProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
  });

  it('keeps the load balancer internal, in the private subnets, dropping invalid headers, logging access, protected from deletion', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      Type: 'application',
      Subnets: Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('AppSubnet1') })]),
    });
    const attributes = (
      Object.values(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))[0] as {
        Properties: { LoadBalancerAttributes: Array<{ Key: string; Value: unknown }> };
      }
    ).Properties.LoadBalancerAttributes;
    expect(attributes).toEqual(
      expect.arrayContaining([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        { Key: 'deletion_protection.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
      ]),
    );
  });

  it('admits traffic to the load balancer only from the CloudFront origin-facing prefix list, on 443', () => {
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map(
      (r) => (r as { Properties: Record<string, unknown> }).Properties,
    );
    const albSg = stack.getLogicalId(web.loadBalancerSecurityGroup.node.defaultChild as CfnElement);
    const toAlb = ingress.filter((p) => JSON.stringify(p.GroupId).includes(albSg));
    expect(toAlb).toEqual([
      expect.objectContaining({
        SourcePrefixListId: PREFIX_LIST,
        FromPort: 443,
        ToPort: 443,
        IpProtocol: 'tcp',
      }),
    ]);
    // No security group anywhere admits the whole internet.
    for (const p of ingress) expect(p.CidrIp).toBeUndefined();
    for (const sg of Object.values(template.findResources('AWS::EC2::SecurityGroup'))) {
      const rules = ((sg as { Properties: { SecurityGroupIngress?: unknown[] } }).Properties
        .SecurityGroupIngress ?? []) as Array<Record<string, unknown>>;
      for (const rule of rules) expect(rule.CidrIp).not.toBe('0.0.0.0/0');
    }
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('CloudFront VPC origins only'),
      SecurityGroupEgress: Match.absent(),
    });
  });

  it('listens on HTTPS only, with a TLS 1.2+ forward-secret policy and no HTTP listener', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
      Certificates: [{ CertificateArn: Match.stringLikeRegexp('^arn:aws:acm:eu-west-3') }],
    });
  });

  it('health-checks the tasks on the configured path', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Protocol: 'HTTP',
      Port: 8080,
      TargetType: 'ip',
      HealthCheckPath: '/',
      Matcher: { HttpCode: '200' },
      HealthCheckIntervalSeconds: 10,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 3,
    });
  });

  it('turns on enhanced container insights', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enhanced' }],
    });
  });

  it('runs the container as non-root on a read-only root filesystem, capabilities dropped, a scratch /tmp, logs in KMS-encrypted CloudWatch Logs', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      Cpu: '1024',
      Memory: '2048',
      Volumes: [{ Name: 'scratch0' }],
      ContainerDefinitions: [
        Match.objectLike({
          User: '101',
          ReadonlyRootFilesystem: true,
          LinuxParameters: { Capabilities: { Drop: ['ALL'] }, InitProcessEnabled: true },
          MountPoints: [{ ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'scratch0' }],
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
          Environment: Match.absent(),
        }),
      ],
    });
  });

  it('injects secrets from Secrets Manager and settings from SSM, never as plain environment values', () => {
    const containers = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0] as {
      Properties: { ContainerDefinitions: Array<{ Secrets: Array<{ Name: string; ValueFrom: unknown }> }> };
    };
    const secrets = containers.Properties.ContainerDefinitions[0]?.Secrets ?? [];
    expect(secrets.map((s) => s.Name)).toEqual(['ENT_DB_PASSWORD', 'ENT_QUEUE_URL']);
    expect(JSON.stringify(secrets[0]?.ValueFrom)).toMatch(/secretsmanager.*secret:ent\/db-password/);
    expect(JSON.stringify(secrets[1]?.ValueFrom)).toMatch(/:ssm:.*parameter/);
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Type: 'String',
      Value: 'https://sqs.eu-west-3.amazonaws.com/111111111111/q',
    });
  });

  it('rolls deployments back on the circuit breaker and never drops below full capacity while deploying', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DeploymentConfiguration: {
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
      },
      AvailabilityZoneRebalancing: 'ENABLED',
      HealthCheckGracePeriodSeconds: 60,
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    });
  });

  it('tracks requests per target and CPU', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }),
        TargetValue: 10_500,
      }),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 60,
      }),
    });
  });

  it('keeps the floor, the maximum and the scheduled pre-scaling in the Europe/Paris time zone', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 9,
      MaxCapacity: 180,
      ScheduledActions: [
        {
          ScheduledActionName: 'SchoolMorning',
          Schedule: 'cron(15 7 ? * MON,TUE,WED,THU,FRI *)',
          Timezone: 'Europe/Paris',
          ScalableTargetAction: { MinCapacity: 120, MaxCapacity: 180 },
        },
      ],
    });
  });

  it('creates its own encrypted access-log bucket when none is given', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });
});

describe('AutoscaledWebService with endpoints egress', () => {
  const stack = testStack();
  new AutoscaledWebService(stack, 'Web', { ...props(stack), egress: EgressMode.ENDPOINTS });
  const template = Template.fromStack(stack);

  it('has no NAT gateway, no public subnet and no route to the internet', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Route', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 3);
  });

  it('attaches an internet gateway, which CloudFront VPC origins require even though no route uses it', () => {
    template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    template.resourceCountIs('AWS::EC2::VPCGatewayAttachment', 1);
  });

  it('reaches ECR, Logs, Secrets Manager, SSM and SQS through private interface endpoints open to the tasks only', () => {
    for (const service of ['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'ssm', 'sqs']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
        ServiceName: `com.amazonaws.eu-west-3.${service}`,
      });
    }
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 443,
      ToPort: 443,
      SourceSecurityGroupId: Match.anyValue(),
      Description: 'HTTPS from the tasks',
    });
  });
});

describe('AutoscaledWebService as a public origin (DNS failover), endpoints egress', () => {
  const stack = testStack();
  const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'OriginSecret', 'origin/eu-west-3');
  const web = new AutoscaledWebService(stack, 'Web', {
    ...props(stack),
    egress: EgressMode.ENDPOINTS,
    additionalEndpoints: ['sts'],
    publicOrigin: { headerName: 'x-origin-verify-eu-west-3', secret },
  });
  const template = Template.fromStack(stack);

  it('puts an internet-facing load balancer in ingress subnets that hold nothing else', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Subnets: [1, 2, 3].map((n) => ({ Ref: Match.stringLikeRegexp(`IngressSubnet${n}`) })),
    });
    template.hasResourceProperties('AWS::EC2::Subnet', {
      MapPublicIpOnLaunch: false,
      Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-name', Value: 'Ingress' }]),
    });
    // The tasks stay in the isolated subnets, with no route out.
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    expect(web.vpc.isolatedSubnets).toHaveLength(3);
  });

  it('still admits only the CloudFront origin-facing prefix list, on 443', () => {
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map(
      (r) => (r as { Properties: Record<string, unknown> }).Properties,
    );
    const albSg = stack.getLogicalId(web.loadBalancerSecurityGroup.node.defaultChild as CfnElement);
    expect(ingress.filter((p) => JSON.stringify(p.GroupId).includes(albSg))).toEqual([
      expect.objectContaining({ SourcePrefixListId: PREFIX_LIST, FromPort: 443, ToPort: 443 }),
    ]);
    for (const p of ingress) expect(p.CidrIp).toBeUndefined();
  });

  it('answers 403 itself unless the origin header carries the secret, then forwards to the tasks', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      DefaultActions: [
        Match.objectLike({
          Type: 'fixed-response',
          FixedResponseConfig: Match.objectLike({ StatusCode: '403' }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 10,
      Actions: [Match.objectLike({ Type: 'forward' })],
      Conditions: [
        {
          Field: 'http-header',
          HttpHeaderConfig: {
            HttpHeaderName: 'x-origin-verify-eu-west-3',
            Values: [
              Match.stringLikeRegexp(
                '^\\{\\{resolve:secretsmanager:.*origin/eu-west-3:SecretString:::\\}\\}$',
              ),
            ],
          },
        },
      ],
    });
  });

  it('has no extra internet gateway of its own: the ingress subnets route through the VPC one', () => {
    template.resourceCountIs('AWS::EC2::InternetGateway', 1);
  });

  it('adds the extra interface endpoints asked for', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.eu-west-3.sts',
      VpcEndpointType: 'Interface',
    });
  });

  it('lets the tasks out on HTTPS only', () => {
    const sg = Object.values(template.findResources('AWS::EC2::SecurityGroup')).find((r) =>
      String(r.Properties.GroupDescription).startsWith('Fargate tasks'),
    );
    expect(sg?.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
    ]);
  });

  it('keeps flow logs a year by default, under the log key', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 365,
      KmsKeyId: Match.anyValue(),
    });
    expect(web.flowLogGroup.logGroupArn).toBeTruthy();
  });
});

describe('AutoscaledWebService rejects bad props', () => {
  const cases: Array<[string, (s: Stack) => Partial<AutoscaledWebServiceProps>, RegExp]> = [
    [
      'one zone',
      () => ({ availabilityZones: ['eu-west-3a'] }),
      /availabilityZones has 1 zone\(s\).*Fix: name at least two/,
    ],
    [
      'duplicate zones',
      () => ({ availabilityZones: ['eu-west-3a', 'eu-west-3a', 'eu-west-3b'] }),
      /names a zone twice/,
    ],
    [
      'zones of another Region',
      () => ({ availabilityZones: ['eu-west-3a', 'eu-west-1b'] }),
      /\["eu-west-1b"\] are not zones of eu-west-3/,
    ],
    ['privileged port', () => ({ containerPort: 80 }), /containerPort is 80.*Fix: use 1024 to 65535/],
    [
      'flow logs kept a month',
      () => ({ flowLogRetention: logs.RetentionDays.ONE_MONTH }),
      /flowLogRetention is 30 days\. Fix: keep VPC flow logs at least a year.*LCEN, decree 2021-1362/,
    ],
    [
      'an origin header name an ALB rule cannot match',
      (s) => ({
        publicOrigin: {
          headerName: 'x origin',
          secret: secretsmanager.Secret.fromSecretNameV2(s, `S${s.node.children.length}`, 'x'),
        },
      }),
      /publicOrigin\.headerName is "x origin"\. Fix: use 1 to 40 letters, digits and dashes/,
    ],
    [
      'extra endpoints with NAT',
      () => ({ additionalEndpoints: ['sts'] }),
      /additionalEndpoints is set but egress is not ENDPOINTS/,
    ],
    ['root user', () => ({ user: '0:0' }), /user is "0:0".*non-root/],
    ['named user', () => ({ user: 'www-data' }), /user is "www-data"/],
    ['relative writable path', () => ({ writablePaths: ['tmp'] }), /writablePaths has "tmp"/],
    ['root as writable path', () => ({ writablePaths: ['/'] }), /writablePaths has "\/"/],
    ['relative health check', () => ({ healthCheckPath: 'health' }), /healthCheckPath is "health"/],
    ['bad prefix list', () => ({ originPrefixListId: '0.0.0.0/0' }), /originPrefixListId is "0\.0\.0\.0\/0"/],
    [
      'lower-case variable',
      () => ({ settings: { queue_url: 'x' } }),
      /secret or setting name "queue_url"\. Fix: use UPPER_SNAKE_CASE/,
    ],
    [
      'variable both secret and setting',
      (s) => ({
        settings: { DB: 'x' },
        secrets: { DB: secretsmanager.Secret.fromSecretNameV2(s, 'S', 'db') },
      }),
      /DB is both a secret and a setting/,
    ],
    [
      'min above max',
      () => ({ capacity: { minTasks: 10, maxTasks: 5, requestsPerTargetPerMinute: 100 } }),
      /capacity\.minTasks \(10\) is above capacity\.maxTasks \(5\)/,
    ],
    [
      'zero min',
      () => ({ capacity: { minTasks: 0, maxTasks: 5, requestsPerTargetPerMinute: 100 } }),
      /capacity\.minTasks is 0/,
    ],
    [
      'fractional max',
      () => ({ capacity: { minTasks: 1, maxTasks: 2.5, requestsPerTargetPerMinute: 100 } }),
      /capacity\.maxTasks is 2\.5/,
    ],
    [
      'zero request target',
      () => ({ capacity: { minTasks: 1, maxTasks: 5, requestsPerTargetPerMinute: 0 } }),
      /requestsPerTargetPerMinute is 0/,
    ],
    [
      'CPU target out of range',
      () => ({
        capacity: { minTasks: 1, maxTasks: 5, requestsPerTargetPerMinute: 100, cpuTargetPercent: 99 },
      }),
      /cpuTargetPercent is 99/,
    ],
    [
      'pre-scale above the maximum',
      () => ({
        capacity: {
          minTasks: 1,
          maxTasks: 50,
          requestsPerTargetPerMinute: 100,
          schedules: [
            {
              id: 'Morning',
              schedule: appscaling.Schedule.cron({ hour: '7' }),
              timeZone: TimeZone.EUROPE_PARIS,
              minTasks: 120,
            },
          ],
        },
      }),
      /schedules Morning\.minTasks \(120\) is above its maximum \(50\).*Fix: raise maxTasks to at least 120/,
    ],
    [
      'scheduled maximum above the service maximum',
      () => ({
        capacity: {
          minTasks: 1,
          maxTasks: 50,
          requestsPerTargetPerMinute: 100,
          schedules: [
            {
              id: 'Morning',
              schedule: appscaling.Schedule.cron({ hour: '7' }),
              timeZone: TimeZone.EUROPE_PARIS,
              minTasks: 10,
              maxTasks: 60,
            },
          ],
        },
      }),
      /Morning\.maxTasks \(60\) is above capacity\.maxTasks \(50\)/,
    ],
    [
      'schedule id not PascalCase',
      () => ({
        capacity: {
          minTasks: 1,
          maxTasks: 50,
          requestsPerTargetPerMinute: 100,
          schedules: [
            {
              id: 'morning',
              schedule: appscaling.Schedule.cron({ hour: '7' }),
              timeZone: TimeZone.EUROPE_PARIS,
              minTasks: 10,
            },
          ],
        },
      }),
      /schedules id "morning"\. Fix: use a PascalCase id/,
    ],
    [
      'schedule id used twice',
      () => ({
        capacity: {
          minTasks: 1,
          maxTasks: 50,
          requestsPerTargetPerMinute: 100,
          schedules: ['A', 'A'].map((id) => ({
            id,
            schedule: appscaling.Schedule.cron({ hour: '7' }),
            timeZone: TimeZone.EUROPE_PARIS,
            minTasks: 10,
          })),
        },
      }),
      /schedules id "A" is used twice/,
    ],
    [
      'capacity reservation too small',
      () => ({ loadBalancerCapacityUnits: 10 }),
      /loadBalancerCapacityUnits is 10.*Fix: use 100 to 1500/,
    ],
  ];

  it.each(cases)('%s', (_name, bad, expected) => {
    const stack = testStack();
    expect(() => new AutoscaledWebService(stack, 'Web', { ...props(stack), ...bad(stack) })).toThrow(
      expected,
    );
  });

  it('reports several problems together, naming the construct path', () => {
    const stack = testStack();
    expect(
      () => new AutoscaledWebService(stack, 'Web', { ...props(stack), containerPort: 80, user: '0' }),
    ).toThrow(/AutoscaledWebService TestStack\/Web: containerPort is 80.*; user is "0"/);
  });
});
