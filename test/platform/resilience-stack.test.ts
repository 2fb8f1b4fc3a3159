import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { compliancePacks } from '../../lib/compliance/nag-packs';
import { RempartResilienceChecks } from '../../lib/compliance/resilience';
import { BackupVaultStack } from '../../lib/platform/backup-vault-stack';
import { ResilienceStack } from '../../lib/platform/resilience-stack';
import { testApp, testConfig } from '../helpers/synth';
import { standInWorkloads } from '../resilience/stand-ins';

const config = testConfig();
const app: App = testApp();
const vault = new BackupVaultStack(app, 'Vault', {
  config,
  env: { account: '111111111111', region: 'eu-west-1' },
});
const w = standInWorkloads(app, 'eu-west-3');
const stack = new ResilienceStack(app, 'Resilience', {
  config,
  env: { account: '111111111111', region: 'eu-west-3' },
  peerRegion: 'eu-central-1',
  workloads: [
    { id: 'Booking', resilience: w.booking },
    { id: 'Ent', resilience: w.ent },
  ],
  assessedStacks: [w.stack],
});
// The same workloads, the worker running the FIS Lambda extension with this location.
const location = 'arn:aws:s3:::svc-fis-111111111111-eu-west-3/fis/lambda/';
const withFis = new ResilienceStack(app, 'ResilienceWithFis', {
  config,
  env: { account: '111111111111', region: 'eu-west-3' },
  peerRegion: 'eu-central-1',
  workloads: [
    { id: 'Booking', resilience: { ...w.booking, faultConfigLocationArn: location } },
    { id: 'Ent', resilience: w.ent },
  ],
  assessedStacks: [w.stack],
});
const template = Template.fromStack(stack);

describe('ResilienceStack (stand-in workloads)', () => {
  it('creates the alarms of both workloads, named from the service and Region', () => {
    for (const name of [
      'Rempart-eu-west-3-BookingApi5xx',
      'Rempart-eu-west-3-BookingApiLatencyP99',
      'Rempart-eu-west-3-BookingBookingsQueueOldestMessageAge',
      'Rempart-eu-west-3-BookingBookingsQueueDlqNotEmpty',
      'Rempart-eu-west-3-BookingWorkerFunctionErrors',
      'Rempart-eu-west-3-BookingBookingsTableReplicationLatencyEuCentral1',
      'Rempart-eu-west-3-EntServiceUnhealthyHosts',
      'Rempart-eu-west-3-EntServiceElb5xx',
      'Rempart-eu-west-3-EntServiceCpu',
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: name,
        AlarmActions: [Match.anyValue()],
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmName: 'Rempart-eu-west-3-RegionHealth',
    });
  });

  it('routes both origins through alarm-driven health checks with a 60 s TTL', () => {
    template.resourcePropertiesCountIs(
      'AWS::Route53::HealthCheck',
      { HealthCheckConfig: Match.objectLike({ Type: 'CALCULATED' }) },
      2,
    );
    for (const name of ['origin.rdv.rempart-demo.fr.', 'origin.ent.rempart-demo.fr.']) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: name,
        Type: 'CNAME',
        TTL: '60',
        Region: 'eu-west-3',
        SetIdentifier: 'eu-west-3',
        HealthCheckId: Match.anyValue(),
      });
    }
  });

  it('copies daily and continuous backups to the off-site vault in the witness Region', () => {
    template.resourceCountIs('AWS::Backup::BackupPlan', 2);
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: Match.objectLike({
        BackupPlanRule: [
          Match.objectLike({
            CopyActions: [
              Match.objectLike({
                DestinationBackupVaultArn:
                  'arn:aws:backup:eu-west-1:111111111111:backup-vault:Rempart-Offsite',
              }),
            ],
          }),
        ],
      }),
    });
    Template.fromStack(vault).hasResourceProperties('AWS::Backup::BackupVault', {
      BackupVaultName: 'Rempart-Offsite',
      LockConfiguration: { MinRetentionDays: 7, MaxRetentionDays: 400, ChangeableForDays: 3 },
    });
  });

  it('defines the AZ and Region drills only, the worker running no FIS Lambda extension', () => {
    template.resourceCountIs('AWS::FIS::ExperimentTemplate', 2);
    expect(stack.drills?.functionFault).toBeUndefined();
    expect(stack.drills?.queueImpairment).toBeUndefined();
  });

  it('adds the function fault and queue impairment drills once the worker has a fault configuration location', () => {
    const t = Template.fromStack(withFis);
    t.resourceCountIs('AWS::FIS::ExperimentTemplate', 4);
    for (const [drill, action] of [
      ['FunctionFault', 'aws:lambda:invocation-error'],
      ['QueueImpairment', 'aws:lambda:invocation-add-delay'],
    ]) {
      t.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
        Tags: { Name: `Rempart-eu-west-3-${drill}` },
        Actions: Match.objectLike({
          [drill === 'FunctionFault' ? 'FailInvocations' : 'DelayConsumers']: Match.objectLike({
            ActionId: action,
          }),
        }),
      });
    }
    t.resourcePropertiesCountIs(
      'AWS::IAM::ManagedPolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Sid: 'WriteFaultConfig', Resource: `${location}*` }),
          ]),
        },
      },
      2,
    );
  });

  it('declares a Resilience Hub policy and a daily-assessed app', () => {
    template.hasResourceProperties('AWS::ResilienceHub::ResiliencyPolicy', {
      DataLocationConstraint: 'SameContinent',
      Policy: {
        AZ: { RtoInSecs: 300, RpoInSecs: 0 },
        Hardware: { RtoInSecs: 300, RpoInSecs: 0 },
        Software: { RtoInSecs: 3600, RpoInSecs: 300 },
        Region: { RtoInSecs: 900, RpoInSecs: 60 },
      },
    });
    template.hasResourceProperties('AWS::ResilienceHub::App', { AppAssessmentSchedule: 'Daily' });
  });

  it('passes every claimed pack and the resilience pack', () => {
    app.synth();
    const packs = [...compliancePacks(app), new RempartResilienceChecks()];
    const findings = [stack, withFis, vault].flatMap((scope) =>
      packs.flatMap((pack) =>
        pack
          .validateScope(scope)
          .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`)),
      ),
    );
    expect(findings).toEqual([]);
  });
});
