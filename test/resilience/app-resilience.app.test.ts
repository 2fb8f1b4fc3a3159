import { Match } from 'aws-cdk-lib/assertions';
import { appAssembly, VARIANTS } from '../helpers/app-assembly';
import { fisTemplateProblems } from './fis-actions-reference';
import { childSignals, healthCheckProblems } from './health-check-audit';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped CloudFormation JSON
type CfnProps = Record<string, any>;

// The whole app as bin/app.ts composes it, synthesized once per run and variant (shared assembly,
// compliance gates on: it exists only if every pack passed). Proves the resilience controls exist
// for both workloads in both application Regions.
const app = appAssembly('default');
const witness = app.template('Rempart-BackupVault');
const REGIONS = ['eu-west-3', 'eu-central-1'] as const;

describe.each(REGIONS.map((region, i) => [region, i] as const))('Region %s', (region) => {
  const t = app.template(`Rempart-Resilience-${region}`);
  const bookingApi = () => app.template(`Rempart-Booking-Api-${region}`);
  const peer = region === 'eu-west-3' ? 'eu-central-1' : 'eu-west-3';
  const name = (suffix: string) => `Rempart-${region}-${suffix}`;

  it('alarms on the booking API, queue, DLQ, worker and table, paging the Region topic', () => {
    for (const alarm of [
      'BookingApi5xx',
      'BookingApiLatencyP99',
      'BookingApi4xx',
      'BookingBookingsQueueDepth',
      'BookingBookingsQueueOldestMessageAge',
      'BookingBookingsQueueDlqNotEmpty',
      'BookingWorkerFunctionErrors',
      'BookingWorkerFunctionThrottles',
      'BookingWorkerFunctionDurationP99',
      'BookingBookingsTableThrottles',
      `BookingBookingsTableReplicationLatency${peer === 'eu-west-3' ? 'EuWest3' : 'EuCentral1'}`,
    ]) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: name(alarm),
        AlarmActions: [{ Ref: Match.stringLikeRegexp('AlertTopic') }],
      });
    }
  });

  it('alarms on the ENT service, its queue and its sessions table', () => {
    for (const alarm of [
      'EntServiceNoHealthyHosts',
      'EntServiceUnhealthyHosts',
      'EntServiceElb5xx',
      'EntServiceTarget5xx',
      'EntServiceCpu',
      'EntWritesQueueDlqNotEmpty',
      'EntSessionsTableThrottles',
    ]) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: name(alarm),
        AlarmActions: Match.anyValue(),
      });
    }
  });

  it('has a composite region-health alarm, an encrypted TLS-only alert topic and a dashboard', () => {
    t.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmName: name('RegionHealth'),
      AlarmActions: [Match.anyValue()],
    });
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'astreinte@rempart-demo.fr',
    });
    t.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: name('Resilience') });
  });

  const calculated = (workload: string) =>
    Object.keys(
      t.findResources('AWS::Route53::HealthCheck', {
        Properties: { HealthCheckConfig: Match.objectLike({ Type: 'CALCULATED' }) },
      }),
    ).find((id) => id.startsWith(`${workload}FailoverRegionCheck`)) ?? '';

  it("bases each workload's health on signals an idle Region still reports, each with its missing-data verdict", () => {
    t.resourcePropertiesCountIs(
      'AWS::Route53::HealthCheck',
      { HealthCheckConfig: Match.objectLike({ Type: 'CALCULATED' }) },
      2,
    );
    // Booking: the Region probe (a canary: silence is a failure) and the share of 5xx of the write
    // method (exists only with traffic: silence is no evidence). Nothing a client drives (4xx, queue
    // age, worker errors) moves traffic.
    expect(childSignals(t.toJSON(), calculated('Booking'))).toEqual([
      { metric: 'AWS/ApiGateway/5XXError', whenMissing: 'Healthy' },
      { metric: 'CloudWatchSynthetics/SuccessPercent', whenMissing: 'Unhealthy' },
    ]);
    // ENT: healthy targets (the load balancer checks them every 10 s whatever the traffic) and the
    // Region probe's write to the sessions table.
    expect(childSignals(t.toJSON(), calculated('Ent'))).toEqual([
      { metric: 'AWS/ApplicationELB/HealthyHostCount', whenMissing: 'Unhealthy' },
      { metric: 'CloudWatchSynthetics/SuccessPercent', whenMissing: 'Unhealthy' },
    ]);
  });

  it('has no health check that reads a traffic-only metric while missing data means unhealthy', () => {
    expect(healthCheckProblems(t.toJSON())).toEqual([]);
  });

  it('the audit fails on a health check that would take an idle Region out of DNS', () => {
    const json = JSON.parse(JSON.stringify(t.toJSON())) as { Resources: Record<string, CfnProps> };
    const ratioCheck = Object.entries(json.Resources).find(
      ([, r]) =>
        r.Type === 'AWS::Route53::HealthCheck' &&
        r.Properties.HealthCheckConfig.InsufficientDataHealthStatus === 'Healthy',
    );
    expect(ratioCheck).toBeTruthy();
    ratioCheck![1].Properties.HealthCheckConfig.InsufficientDataHealthStatus = 'Unhealthy'; // eslint-disable-line @typescript-eslint/no-non-null-assertion
    expect(healthCheckProblems(json)).toEqual([
      `${ratioCheck![0]}: AWS/ApiGateway/5XXError exists only with traffic, yet missing data makes the Region unhealthy`, // eslint-disable-line @typescript-eslint/no-non-null-assertion
    ]);
  });

  it('probes the Region every minute through its own API stage and with a canary-only table write', () => {
    const canaries = Object.values(t.findResources('AWS::Synthetics::Canary')).map(
      (r) => r.Properties as CfnProps,
    );
    expect(canaries).toHaveLength(2);
    for (const c of canaries) {
      expect(c.Schedule.Expression).toBe('rate(1 minute)');
      expect(c.RuntimeVersion).toMatch(/^syn-nodejs-/);
      expect(c.Name.length).toBeLessThanOrEqual(21);
    }
    const booking = canaries.find((c) => c.Name.startsWith('booking-'));
    const probe = JSON.stringify(booking?.RunConfig.EnvironmentVariables.REMPART_PROBE);
    expect(probe).toMatch(/\/api\/progress/);
    expect(probe).toMatch(/rempart#probe/);
    // The canary may write its heartbeat item and nothing else of the booking table.
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'WriteHeartbeatItemOnly',
            Action: 'dynamodb:UpdateItem',
            Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['rempart#probe'] } },
          }),
        ]),
      },
    });
  });

  it('owns the booking write record: latency-routed, TTL ≤ 60 s, healthy only while every health signal is', () => {
    const signals = childSignals(t.toJSON(), calculated('Booking')).length;
    expect(signals).toBe(2);
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'origin.rdv.rempart-demo.fr.',
      Type: 'CNAME',
      Region: region,
      SetIdentifier: region,
      TTL: Match.stringLikeRegexp('^([1-9]|[1-5][0-9]|60)$'),
      HealthCheckId: { Ref: Match.stringLikeRegexp('BookingFailoverRegionCheck') },
    });
    t.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({ Type: 'CALCULATED', HealthThreshold: signals }),
    });
    // One record per Region and name: the API stack must not declare a competing one.
    bookingApi().resourceCountIs('AWS::Route53::RecordSet', 0);
  });

  it('owns the ENT origin record, health-checked: ENT writes follow DNS away from a lost Region', () => {
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'origin.ent.rempart-demo.fr.',
      Type: 'CNAME',
      Region: region,
      SetIdentifier: region,
      HealthCheckId: { Ref: Match.stringLikeRegexp('EntFailoverRegionCheck') },
    });
  });

  it('backs up tagged resources daily and continuously into a locked vault, copying to the witness vault', () => {
    t.hasResourceProperties('AWS::Backup::BackupVault', {
      LockConfiguration: { MinRetentionDays: 7, MaxRetentionDays: 400, ChangeableForDays: 3 },
    });
    const offsite = {
      'Fn::Join': [
        '',
        ['arn:aws:backup:eu-west-1:', { Ref: 'AWS::AccountId' }, ':backup-vault:Rempart-Offsite'],
      ],
    };
    for (const rule of [
      { RuleName: 'Daily', ScheduleExpression: 'cron(0 2 * * ? *)' },
      { RuleName: 'Continuous', EnableContinuousBackup: true },
    ]) {
      t.hasResourceProperties('AWS::Backup::BackupPlan', {
        BackupPlan: Match.objectLike({
          BackupPlanRule: [
            Match.objectLike({
              ...rule,
              Lifecycle: { DeleteAfterDays: 35 },
              CopyActions: [Match.objectLike({ DestinationBackupVaultArn: offsite })],
            }),
          ],
        }),
      });
    }
    t.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({
        ListOfTags: [Match.objectLike({ ConditionKey: 'rempart:backup', ConditionValue: 'daily' })],
      }),
    });
  });

  it('grants every FIS action the permissions and targets the FIS actions reference lists', () => {
    expect(fisTemplateProblems(t.toJSON())).toEqual([]);
  });

  it('defines the AZ and Region FIS drills, each stopped by an alarm and bounded in time', () => {
    t.resourceCountIs('AWS::FIS::ExperimentTemplate', 2);
    for (const [drill, duration] of [
      ['AzPowerInterruption', 'PT10M'],
      ['RegionIsolation', 'PT15M'],
    ]) {
      const templates = t.findResources('AWS::FIS::ExperimentTemplate', {
        Properties: { Tags: { Name: name(drill) } },
      });
      const [props] = Object.values(templates).map((r) => r.Properties as CfnProps);
      expect(props.StopConditions.length).toBeGreaterThan(0);
      for (const s of props.StopConditions) expect(s.Source).toBe('aws:cloudwatch:alarm');
      const durations = Object.values(props.Actions as Record<string, { Parameters?: { duration?: string } }>)
        .map((a) => a.Parameters?.duration)
        .filter(Boolean);
      expect(durations).toContain(duration);
    }
  });

  it('makes no Lambda drill and installs no FIS extension while no layer ARN is configured for the Region', () => {
    expect(JSON.stringify(t.toJSON())).not.toMatch(/aws:lambda:invocation|FunctionFault|QueueImpairment/);
    const api = bookingApi();
    api.resourcePropertiesCountIs('AWS::Lambda::Function', { Layers: Match.anyValue() }, 0);
    expect(JSON.stringify(api.toJSON())).not.toMatch(/AWS_FIS_CONFIGURATION_LOCATION|aws-fis/);
    // The Region's fault configuration bucket is there, ready for the layer ARN.
    api.resourceCountIs('AWS::S3::Bucket', 1);
  });

  it('declares its objectives to Resilience Hub and assesses its stacks daily', () => {
    t.hasResourceProperties('AWS::ResilienceHub::ResiliencyPolicy', {
      DataLocationConstraint: 'SameContinent',
      Policy: { Region: { RtoInSecs: 900, RpoInSecs: 60 }, AZ: { RtoInSecs: 300, RpoInSecs: 0 } },
    });
    const apps = t.findResources('AWS::ResilienceHub::App');
    const [app] = Object.values(apps).map((r) => r.Properties as CfnProps);
    expect(app.AppAssessmentSchedule).toBe('Daily');
    expect(app.ResourceMappings).toHaveLength(5);
    // Scheduled assessments run with the app's own invoker role, which only Resilience Hub assumes.
    expect(app.PermissionModel).toEqual({
      Type: 'RoleBased',
      InvokerRoleName: { Ref: expect.stringMatching(/InvokerRole/) },
    });
    const role = t.toJSON().Resources[app.PermissionModel.InvokerRoleName.Ref] as CfnProps;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'resiliencehub.amazonaws.com' },
        Action: 'sts:AssumeRole',
      }),
    ]);
  });

  it('tags the workloads so that backups and drills find them', () => {
    const tags = (tpl: ReturnType<typeof app.template>, type: string) =>
      Object.values(tpl.findResources(type)).flatMap(
        (res) => (res.Properties.Tags ?? []) as { Key: string; Value: string }[],
      );
    expect(tags(app.template(`Rempart-Ent-Data-${region}`), 'AWS::S3::Bucket')).toContainEqual({
      Key: 'rempart:backup',
      Value: 'daily',
    });
    expect(tags(bookingApi(), 'AWS::Lambda::Function')).toContainEqual({
      Key: 'rempart:fis-target',
      Value: 'queue-worker',
    });
  });
});

describe('ENT at the edge: every method follows the health-checked name', () => {
  const edge = app.template('Rempart-Edge');
  const distribution = Object.values(edge.findResources('AWS::CloudFront::Distribution'))
    .map((r) => r.Properties.DistributionConfig as CfnProps)
    .find((d) => JSON.stringify(d.Aliases).includes('ent.rempart-demo.fr'));

  it('sends POST/PUT/PATCH/DELETE to origin.ent.<domain>, which Route 53 answers only with healthy Regions', () => {
    const behaviour = distribution?.DefaultCacheBehavior as CfnProps;
    expect(behaviour.AllowedMethods).toEqual(expect.arrayContaining(['POST', 'PUT', 'PATCH', 'DELETE']));
    const group = (distribution?.OriginGroups.Items as CfnProps[]).find(
      (g) => g.Id === behaviour.TargetOriginId,
    );
    const [primaryId, fallbackId] = (group?.Members.Items as CfnProps[]).map((m) => m.OriginId as string);
    const byId = (id: string | undefined) => (distribution?.Origins as CfnProps[]).find((o) => o.Id === id);
    // The group's primary takes every method; the fallback only GET/HEAD/OPTIONS (CloudFront's rule).
    expect(byId(primaryId)?.DomainName).toBe('origin.ent.rempart-demo.fr');
    expect(byId(fallbackId)?.DomainName).toBe('origin-eu-central-1.ent.rempart-demo.fr');
    for (const o of [byId(primaryId), byId(fallbackId)]) {
      expect(o?.CustomOriginConfig).toMatchObject({
        OriginProtocolPolicy: 'https-only',
        OriginSSLProtocols: ['TLSv1.2'],
      });
      expect((o?.OriginCustomHeaders as { HeaderName: string }[]).map((h) => h.HeaderName).sort()).toEqual([
        'x-rempart-origin-verify-ent-eu-central-1',
        'x-rempart-origin-verify-ent-eu-west-3',
      ]);
      expect(o?.VpcOriginConfig).toBeUndefined();
    }
  });

  it('the name CloudFront uses is the record the ENT calculated health check is attached to, in both Regions', () => {
    for (const region of REGIONS) {
      app.template(`Rempart-Resilience-${region}`).hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'origin.ent.rempart-demo.fr.',
        HealthCheckId: { Ref: Match.stringLikeRegexp('^EntFailoverRegionCheck') },
      });
    }
  });
});

describe('witness Region', () => {
  it('holds the locked off-site vault, retained, under its own key', () => {
    witness.hasResource('AWS::Backup::BackupVault', {
      Properties: {
        BackupVaultName: 'Rempart-Offsite',
        EncryptionKeyArn: Match.anyValue(),
        LockConfiguration: { MinRetentionDays: 7, MaxRetentionDays: 400, ChangeableForDays: 3 },
      },
      DeletionPolicy: 'Retain',
    });
    witness.resourceCountIs('AWS::Backup::LogicallyAirGappedBackupVault', 0);
  });

  it('tags the primary global table replicas for the backup selection', () => {
    const table = app.template('Rempart-Booking-Data-eu-west-3').findResources('AWS::DynamoDB::GlobalTable');
    const replicas = Object.values(table).flatMap(
      (r) => r.Properties.Replicas as { Tags?: { Key: string; Value: string }[] }[],
    );
    expect(replicas.length).toBeGreaterThanOrEqual(2);
    for (const replica of replicas)
      expect(replica.Tags).toContainEqual({ Key: 'rempart:backup', Value: 'daily' });
  });
});

// The same app with the FIS Lambda extension configured in the primary Region only (a made-up
// AWS-owned account id: the real one comes from configuration).
describe('FIS Lambda extension configured for eu-west-3 only', () => {
  const layer = VARIANTS.fisLayers.resilience.drills.lambdaExtensionLayerArns['eu-west-3'];
  const configured = appAssembly('fisLayers');
  const api = configured.template('Rempart-Booking-Api-eu-west-3');
  const drills = configured.template('Rempart-Resilience-eu-west-3');
  const bucketArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^FaultConfig'), 'Arn'] };
  const worker = (tpl: ReturnType<typeof configured.template>) =>
    Object.values(tpl.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Environment?.Variables?.AWS_FIS_CONFIGURATION_LOCATION,
    );

  it('puts the extension layer and its environment on the booking worker only', () => {
    api.resourcePropertiesCountIs('AWS::Lambda::Function', { Layers: [layer] }, 1);
    api.hasResourceProperties('AWS::Lambda::Function', {
      Layers: [layer],
      Description: Match.stringLikeRegexp('Drains booking requests'),
      Environment: {
        Variables: Match.objectLike({
          TABLE_NAME: Match.anyValue(),
          AWS_LAMBDA_EXEC_WRAPPER: '/opt/aws-fis/bootstrap',
          AWS_FIS_CONFIGURATION_LOCATION: { 'Fn::Join': ['', [bucketArn, '/fis/lambda/']] },
        }),
      },
    });
  });

  it('lets the worker list and read the fault configuration prefix', () => {
    api.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('BookingsWorkerRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:ListBucket',
            Resource: bucketArn,
            Condition: { StringLike: { 's3:prefix': ['fis/lambda/*'] } },
          }),
          Match.objectLike({
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [bucketArn, '/fis/lambda/*']] },
          }),
        ]),
      },
    });
  });

  it('makes both Lambda drills, whose roles write to the same S3 location the worker reads', () => {
    drills.resourceCountIs('AWS::FIS::ExperimentTemplate', 4);
    // The worker reads <bucket ARN>/fis/lambda/ of its bucket, whose name is derived from the
    // configuration; the drill roles write under the same name and prefix, with no cross-stack export.
    const account = { Ref: 'AWS::AccountId' };
    const bucketName = { 'Fn::Join': ['', ['rempart-dev-fis-', account, '-eu-west-3']] };
    api.hasResourceProperties('AWS::S3::Bucket', { BucketName: bucketName });
    expect(worker(api)?.Properties.Environment.Variables.AWS_FIS_CONFIGURATION_LOCATION).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^FaultConfig/), 'Arn'] }, '/fis/lambda/']],
    });
    const objects = {
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':s3:::rempart-dev-fis-', account, '-eu-west-3/fis/lambda/*'],
      ],
    };
    for (const drill of ['FunctionFault', 'QueueImpairment']) {
      const policy = Object.values(drills.findResources('AWS::IAM::ManagedPolicy')).find((p) =>
        JSON.stringify(p.Properties.Roles).includes(`${drill}Role`),
      );
      const write = (policy?.Properties.PolicyDocument.Statement as CfnProps[]).find(
        (st) => st.Sid === 'WriteFaultConfig',
      );
      expect(write?.Action).toEqual(['s3:DeleteObject', 's3:PutObject']);
      expect(write?.Resource).toEqual(objects);
    }
    expect(JSON.stringify(drills.toJSON())).not.toMatch(/OutputName":"[^"]*FaultConfig/);
    expect(JSON.stringify(drills.toJSON())).toMatch(/aws:lambda:invocation-error/);
    expect(JSON.stringify(drills.toJSON())).toMatch(/aws:lambda:invocation-add-delay/);
    expect(fisTemplateProblems(drills.toJSON())).toEqual([]);
  });

  it('leaves the Region without a layer ARN as it was', () => {
    configured.template('Rempart-Resilience-eu-central-1').resourceCountIs('AWS::FIS::ExperimentTemplate', 2);
    expect(worker(configured.template('Rempart-Booking-Api-eu-central-1'))).toBeUndefined();
  });

  it('passes every claimed pack with no unacknowledged finding (the assembly exists only then)', () => {
    expect(Object.keys(configured.stacks)).toContain('Rempart-Resilience-eu-west-3');
  });
});
