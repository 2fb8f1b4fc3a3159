import { Match, Template } from 'aws-cdk-lib/assertions';
import { compliancePacks } from '../../lib/compliance/nag-packs';
import { composeTestApp, testConfig, regionsOf } from '../helpers/synth';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped CloudFormation JSON
type CfnProps = Record<string, any>;

// The whole app, composed as bin/app.ts does (built-in CloudFormation validation off: the app test
// keeps it on). Proves the resilience controls exist for both workloads in both application Regions.
const { stacks } = composeTestApp();
const witness = Template.fromStack(stacks.backupVault);

describe.each(stacks.resilience.map((stack, i) => [stack.region, i] as const))('Region %s', (region, i) => {
  const t = Template.fromStack(stacks.resilience[i]);
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

  it('has alarm-driven Route 53 health checks for both workloads', () => {
    t.resourcePropertiesCountIs(
      'AWS::Route53::HealthCheck',
      { HealthCheckConfig: Match.objectLike({ Type: 'CALCULATED' }) },
      2,
    );
    for (const alarm of [
      'BookingApi5xx',
      'BookingBookingsQueueOldestMessageAge',
      'EntServiceNoHealthyHosts',
    ]) {
      t.hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: {
          Type: 'CLOUDWATCH_METRIC',
          AlarmIdentifier: { Name: { Ref: Match.stringLikeRegexp(alarm) }, Region: region },
          InsufficientDataHealthStatus: 'Unhealthy',
        },
      });
    }
  });

  it('owns the booking write record: latency-routed, TTL ≤ 60 s, healthy only while every critical alarm is OK', () => {
    const critical = stacks.resilience[i].observability.criticalAlarms.Booking.length;
    expect(critical).toBeGreaterThanOrEqual(3);
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'origin.rdv.rempart-demo.fr.',
      Type: 'CNAME',
      Region: region,
      SetIdentifier: region,
      TTL: Match.stringLikeRegexp('^([1-9]|[1-5][0-9]|60)$'),
      HealthCheckId: { Ref: Match.stringLikeRegexp('BookingFailoverRegionCheck') },
    });
    t.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({ Type: 'CALCULATED', HealthThreshold: critical }),
    });
    // One record per Region and name: the API stack must not declare a competing one.
    Template.fromStack(regionsOf(stacks)[i].bookingApi).resourceCountIs('AWS::Route53::RecordSet', 0);
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
    expect(stacks.resilience[i].drills?.functionFault).toBeUndefined();
    expect(stacks.resilience[i].drills?.queueImpairment).toBeUndefined();
    expect(JSON.stringify(t.toJSON())).not.toMatch(/aws:lambda:invocation/);
    const api = Template.fromStack(regionsOf(stacks)[i].bookingApi);
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
  });

  it('tags the workloads so that backups and drills find them', () => {
    const r = regionsOf(stacks)[i];
    const tags = (tpl: Template, type: string) =>
      Object.values(tpl.findResources(type)).flatMap(
        (res) => (res.Properties.Tags ?? []) as { Key: string; Value: string }[],
      );
    expect(tags(Template.fromStack(r.entData), 'AWS::S3::Bucket')).toContainEqual({
      Key: 'rempart:backup',
      Value: 'daily',
    });
    expect(tags(Template.fromStack(r.bookingApi), 'AWS::Lambda::Function')).toContainEqual({
      Key: 'rempart:fis-target',
      Value: 'queue-worker',
    });
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
    const table = Template.fromStack(regionsOf(stacks)[0].bookingData).findResources(
      'AWS::DynamoDB::GlobalTable',
    );
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
  const layer = 'arn:aws:lambda:eu-west-3:222222222222:layer:aws-fis-extension-arm64:12';
  const configured = composeTestApp(
    testConfig({ resilience: { drills: { lambdaExtensionLayerArns: { 'eu-west-3': layer } } } }),
  );
  const [paris, frankfurt] = regionsOf(configured.stacks);
  const api = Template.fromStack(paris.bookingApi);
  const drills = Template.fromStack(configured.stacks.resilience[0]);
  const bucketArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^FaultConfig'), 'Arn'] };
  const worker = (tpl: Template) =>
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
  });

  it('leaves the Region without a layer ARN as it was', () => {
    Template.fromStack(configured.stacks.resilience[1]).resourceCountIs('AWS::FIS::ExperimentTemplate', 2);
    expect(worker(Template.fromStack(frankfurt.bookingApi))).toBeUndefined();
  });

  it('passes every claimed pack with no unacknowledged finding', () => {
    const findings = compliancePacks(configured.app).flatMap((pack) =>
      pack
        .validateScope(configured.app)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`)),
    );
    expect(findings).toEqual([]);
  });
});
