import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { compliancePacks } from '../../lib/compliance/nag-packs';
import { composeRempart } from '../../lib/rempart-app';
import { cdkJsonContext, testApp, testConfig , regionsOf } from '../helpers/synth';

// The whole app, synthesized once for this file with aws-cdk-lib's built-in CloudFormation
// validation ON, exactly as `cdk synth` runs it: any template CloudFormation would reject fails here.
const config = testConfig();
const app = new App({ context: cdkJsonContext() });
const stacks = composeRempart(app, config);
const assembly = app.synth();

describe('app shape', () => {
  it('has one edge stack in us-east-1, a backup vault in the witness Region and five stacks per application Region (four workload, one resilience)', () => {
    const byName = Object.fromEntries(assembly.stacks.map((s) => [s.stackName, s.environment.region]));
    expect(byName).toEqual({
      'Rempart-Edge': 'us-east-1',
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

  it('deploys stateful before stateless, and the edge last', () => {
    const deps = (name: string) => assembly.getStackByName(name).dependencies.map((d) => d.id);
    expect(deps('Rempart-Booking-Api-eu-west-3')).toContain('Rempart-Booking-Data-eu-west-3');
    expect(deps('Rempart-Ent-Service-eu-central-1')).toContain('Rempart-Ent-Data-eu-central-1');
    expect(deps('Rempart-Booking-Data-eu-west-3')).toContain('Rempart-BackupVault');
    expect(deps('Rempart-Edge')).toEqual(
      expect.arrayContaining([
        'Rempart-Booking-Api-eu-west-3',
        'Rempart-Booking-Api-eu-central-1',
        'Rempart-Ent-Service-eu-west-3',
        'Rempart-Ent-Service-eu-central-1',
      ]),
    );
  });

  it('protects stateful stacks from deletion', () => {
    for (const r of regionsOf(stacks)) {
      expect(r.bookingData.terminationProtection).toBe(true);
      expect(r.entData.terminationProtection).toBe(true);
    }
  });

  it('bundles the booking worker, catalogue, status and health functions in each application Region', () => {
    for (const r of regionsOf(stacks)) {
      Template.fromStack(r.bookingApi).resourceCountIs('AWS::Lambda::Function', 4);
    }
  });

  it('tags every resource with service, stage and owner', () => {
    Template.fromStack(stacks.edge).hasResourceProperties('AWS::KMS::Key', {
      Tags: Match.arrayWith([
        { Key: 'rempart:owner', Value: 'plateforme-numerique' },
        { Key: 'rempart:service', Value: 'Rempart' },
        { Key: 'rempart:stage', Value: 'dev' },
      ]),
    });
  });
});

describe('compliance gate', () => {
  it('passes every claimed pack with no unacknowledged finding', () => {
    // app.synth() above already ran the packs as validation plugins and would have thrown; this
    // repeats them directly so a failure lists the findings.
    const findings = compliancePacks(app).flatMap((pack) =>
      pack
        .validateScope(app)
        .violations.flatMap((v) =>
          v.violatingResources.map((r) => `${v.ruleName} ${r.resourceLogicalId} (${r.templatePath})`),
        ),
    );
    expect(findings).toEqual([]);
  });

  it('checks AwsSolutions, Serverless, NIST 800-53 R5, HIPAA and RempartResilience, and PCI DSS only when switched on', () => {
    expect(compliancePacks(app).map((p) => p.readPackName)).toEqual([
      'AwsSolutions',
      'Serverless',
      'NIST.800.53.R5',
      'HIPAA.Security',
      'RempartResilience',
    ]);
    expect(compliancePacks(app, { pciDss: true }).map((p) => p.readPackName)).toContain('PCI.DSS.321');
  });

  it('fails the synth on an unacknowledged finding', () => {
    const failing = testApp();
    const s = composeRempart(failing, config);
    new sqs.Queue(regionsOf(s)[0].bookingApi, 'UnencryptedQueue', {
      encryption: sqs.QueueEncryption.UNENCRYPTED,
    });
    expect(() => failing.synth()).toThrow(/AwsSolutions-SQS2/);
  });
});
