import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { addComplianceGates, compliancePacks } from '../../lib/compliance/nag-packs';
import { appAssembly } from '../helpers/app-assembly';
import { testApp } from '../helpers/synth';

// The default app, synthesized once per run for the whole app tier with aws-cdk-lib's built-in
// CloudFormation validation ON and every compliance pack attached, exactly as CI's gate: a template
// CloudFormation would reject, or an unacknowledged finding, fails appAssembly() itself.
const app = appAssembly('default');
const region = (name: string) => app.stacks[name].environment.split('/').pop();

describe('app shape', () => {
  it('has the edge and its key stack in us-east-1, a backup vault in the witness Region and five stacks per application Region (four workload, one resilience)', () => {
    expect(Object.fromEntries(Object.keys(app.stacks).map((name) => [name, region(name)]))).toEqual({
      'Rempart-Edge': 'us-east-1',
      'Rempart-EdgeKeys': 'us-east-1',
      'Rempart-BackupVault': 'eu-west-1',
      'Rempart-Booking-Data-eu-west-3': 'eu-west-3',
      'Rempart-Booking-Api-eu-west-3': 'eu-west-3',
      'Rempart-Ent-Data-eu-west-3': 'eu-west-3',
      'Rempart-Ent-Service-eu-west-3': 'eu-west-3',
      'Rempart-Booking-Data-eu-central-1': 'eu-central-1',
      'Rempart-Booking-Api-eu-central-1': 'eu-central-1',
      'Rempart-Ent-Data-eu-central-1': 'eu-central-1',
      'Rempart-Ent-Service-eu-central-1': 'eu-central-1',
      'Rempart-Resilience-eu-west-3': 'eu-west-3',
      'Rempart-Resilience-eu-central-1': 'eu-central-1',
    });
  });

  it('deploys stateful before stateless, the secondary data before the primary, and the edge last', () => {
    const deps = (name: string) => app.stacks[name].dependencies ?? [];
    expect(deps('Rempart-Booking-Api-eu-west-3')).toContain('Rempart-Booking-Data-eu-west-3');
    expect(deps('Rempart-Booking-Api-eu-central-1')).toContain('Rempart-Booking-Data-eu-west-3');
    expect(deps('Rempart-Booking-Data-eu-west-3')).toContain('Rempart-Booking-Data-eu-central-1');
    expect(deps('Rempart-Ent-Data-eu-west-3')).toContain('Rempart-Ent-Data-eu-central-1');
    expect(deps('Rempart-Ent-Service-eu-central-1')).toContain('Rempart-Ent-Data-eu-central-1');
    expect(deps('Rempart-Booking-Data-eu-west-3')).toContain('Rempart-BackupVault');
    expect(deps('Rempart-Resilience-eu-west-3')).toContain('Rempart-BackupVault');
    expect(deps('Rempart-Edge')).toEqual(
      expect.arrayContaining([
        'Rempart-Booking-Api-eu-west-3',
        'Rempart-Booking-Api-eu-central-1',
        'Rempart-Ent-Service-eu-west-3',
        'Rempart-Ent-Service-eu-central-1',
      ]),
    );
  });

  it('protects stateful stacks from deletion, and only them', () => {
    const protectedStacks = Object.keys(app.stacks).filter(
      (name) => app.stacks[name].properties.terminationProtection === true,
    );
    expect(protectedStacks.sort()).toEqual(
      [
        'Rempart-BackupVault',
        'Rempart-Booking-Data-eu-central-1',
        'Rempart-Booking-Data-eu-west-3',
        'Rempart-Ent-Data-eu-central-1',
        'Rempart-Ent-Data-eu-west-3',
      ].sort(),
    );
  });

  it('tags every resource with service, stage and owner', () => {
    app.template('Rempart-Edge').hasResourceProperties('AWS::KMS::Key', {
      Tags: Match.arrayWith([
        { Key: 'rempart:owner', Value: 'plateforme-numerique' },
        { Key: 'rempart:service', Value: 'Rempart' },
        { Key: 'rempart:stage', Value: 'dev' },
      ]),
    });
  });

  it('tags each workload stack with its workload, for backups and drills to find', () => {
    for (const [stack, workload] of [
      ['Rempart-Booking-Data-eu-west-3', 'booking'],
      ['Rempart-Ent-Service-eu-central-1', 'ent'],
    ] as const) {
      app.template(stack).hasResourceProperties('AWS::KMS::Key', {
        Tags: Match.arrayWith([{ Key: 'rempart:workload', Value: workload }]),
      });
    }
  });
});

describe('compliance gate', () => {
  it('synthesized every claimed pack with no unacknowledged finding', () => {
    // appAssembly() throws with the findings when the synth fails; the built-in CloudFormation
    // validation writes its report, which must be clean.
    const report = JSON.parse(readFileSync(join(app.dir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string }[];
    };
    expect(report.pluginReports.map((r) => `${r.pluginName}: ${r.conclusion}`)).toContain(
      'CloudFormation Validate: success',
    );
    expect(report.pluginReports.filter((r) => r.conclusion !== 'success')).toEqual([]);
    // Acknowledgements are recorded in the assembly for auditors.
    expect(JSON.stringify(app.metadata('Rempart-Booking-Api-eu-west-3'))).toContain('acknowledged');
  });

  it('checks AwsSolutions, Serverless, NIST 800-53 R5, HIPAA and RempartResilience, and PCI DSS only when switched on', () => {
    const scope = testApp();
    expect(compliancePacks(scope).map((p) => p.readPackName)).toEqual([
      'AwsSolutions',
      'Serverless',
      'NIST.800.53.R5',
      'HIPAA.Security',
      'RempartResilience',
    ]);
    expect(compliancePacks(scope, { pciDss: true }).map((p) => p.readPackName)).toContain('PCI.DSS.321');
  });

  it('fails the synth on an unacknowledged finding', () => {
    const failing = testApp();
    const stack = new Stack(failing, 'Failing', { env: { account: '111111111111', region: 'eu-west-3' } });
    new sqs.Queue(stack, 'UnencryptedQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    addComplianceGates(failing);
    expect(() => failing.synth()).toThrow(/AwsSolutions-SQS2|validation/i);
  });
});
