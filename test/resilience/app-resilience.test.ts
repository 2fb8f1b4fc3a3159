import { Match, Template } from 'aws-cdk-lib/assertions';
import { composeTestApp } from '../helpers/synth';

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
    Template.fromStack(stacks.regions[i].bookingApi).resourceCountIs('AWS::Route53::RecordSet', 0);
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

  it('defines the four FIS drills, each stopped by an alarm and bounded in time', () => {
    t.resourceCountIs('AWS::FIS::ExperimentTemplate', 4);
    for (const [drill, duration] of [
      ['AzPowerInterruption', 'PT10M'],
      ['RegionIsolation', 'PT15M'],
      ['FunctionFault', 'PT10M'],
      ['QueueImpairment', 'PT10M'],
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
    const r = stacks.regions[i];
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
    const table = Template.fromStack(stacks.regions[0].bookingData).findResources(
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
