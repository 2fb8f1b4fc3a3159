import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyPolicyProblems, reservesDestructionTo } from '../../lib/compliance/key-policy-check';
import { DEFAULT_BREAK_GLASS_ROLE_NAME } from '../../lib/constructs/cross-region-backup/cross-region-backup';
import { appAssembly } from '../helpers/app-assembly';
import { testConfig } from '../helpers/synth';

// Every pack Rempart claims switched on, PCI DSS included, plus AWS Control Tower's proactive
// controls: the shared `pciOn` assembly. Any unacknowledged finding makes appAssembly() throw.
const assembly = appAssembly('pciOn');
const config = testConfig({ compliance: { pciDss: true } });

type Resource = { Type: string; Properties?: Record<string, unknown> };
const templates: Record<string, Record<string, Resource>> = Object.fromEntries(
  readdirSync(assembly.dir)
    .filter((f) => f.endsWith('.template.json'))
    .map((f) => [
      f.replace('.template.json', ''),
      (JSON.parse(readFileSync(join(assembly.dir, f), 'utf8')) as { Resources: Record<string, Resource> })
        .Resources,
    ]),
);
interface ValidationReport {
  pluginReports: { pluginName: string; conclusion: string }[];
}
const report = JSON.parse(
  readFileSync(join(assembly.dir, 'validation-report.json'), 'utf8'),
) as ValidationReport;
const keys = Object.entries(templates).flatMap(([stack, resources]) =>
  Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::KMS::Key')
    .map(([id, r]) => ({ stack, id, policy: r.Properties?.KeyPolicy })),
);

describe('every compliance pack switched on', () => {
  it('synthesized with PCI DSS on and no unacknowledged cdk-nag finding (controls acknowledge every pack at once)', () => {
    // The PCI pack ran: acknowledgements recorded for the auditor include its rule ids.
    const metadata = JSON.stringify(assembly.metadata('Rempart-Booking-Api-eu-west-3'));
    expect(metadata).toMatch(/PCI\.DSS\.321-/);
    expect(report.pluginReports.filter((r) => r.conclusion !== 'success')).toEqual([]);
  });

  it("ran AWS Control Tower's proactive controls, with no finding left unacknowledged", () => {
    expect(report.pluginReports.find((r) => r.pluginName === 'cdk-validator-cfnguard')?.conclusion).toBe(
      'success',
    );
  });

  it('gives every KMS key a policy that separates administration from use and refuses non-AWS grants', () => {
    expect(keys.length).toBeGreaterThan(15);
    const problems = keys.flatMap((k) => keyPolicyProblems(k.policy).map((p) => `${k.stack}/${k.id}: ${p}`));
    expect(problems).toEqual([]);
    expect(JSON.stringify(keys)).not.toContain('"kms:*"');
  });

  it('reserves deletion of the keys that protect locked backups to the break-glass role', () => {
    const vaultKeys = keys.filter((k) => /VaultKey/.test(k.id));
    expect(vaultKeys.map((k) => k.stack).sort()).toEqual([
      'Rempart-BackupVault',
      'Rempart-Resilience-eu-central-1',
      'Rempart-Resilience-eu-west-3',
    ]);
    for (const k of vaultKeys) {
      const arn = {
        'Fn::Join': [
          '',
          ['arn:aws:iam::', { Ref: 'AWS::AccountId' }, `:role/${DEFAULT_BREAK_GLASS_ROLE_NAME}`],
        ],
      };
      expect(reservesDestructionTo(k.policy, arn)).toBe(true);
    }
  });

  it('lets booking data be decrypted only through DynamoDB and SQS, by the booking and waiting-room functions, the queue integrations and AWS Backup', () => {
    for (const region of [config.regions.primary, config.regions.secondary]) {
      const dataKey = keys.find(
        (k) => k.stack === `Rempart-Booking-Data-${region}` && k.id.startsWith('DataKey'),
      );
      const use = (
        dataKey?.policy as {
          Statement: { Sid?: string; Condition?: { StringEquals?: Record<string, unknown> } }[];
        }
      ).Statement.find((s) => s.Sid === 'KeyUseThroughServices');
      expect(use?.Condition?.StringEquals?.['kms:ViaService']).toEqual([
        `dynamodb.${region}.amazonaws.com`,
        `sqs.${region}.amazonaws.com`,
      ]);
      // Who holds kms:Decrypt on this key in IAM: statements naming the key, or any key of the account.
      const holders = Object.entries(templates).flatMap(([stack, resources]) =>
        Object.entries(resources).flatMap(([id, r]) => {
          if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') return [];
          const doc = r.Properties?.PolicyDocument as {
            Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[];
          };
          return doc.Statement.filter((s) => {
            const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
            const resource = JSON.stringify(s.Resource);
            const namesKey =
              resource.includes(`Rempart-Booking-Data-${region}`) && resource.includes('DataKey');
            const anyKey = /key\/\*/.test(resource) || resource === '"*"';
            return actions.some((a) => /^kms:(Decrypt|\*)$/.test(a)) && (namesKey || anyKey);
          }).map((s) => ({
            who: `${stack}/${id.replace(/[0-9A-F]{8}$/, '')}`,
            viaService: JSON.stringify(s.Condition ?? {}).includes('kms:ViaService'),
          }));
        }),
      );
      const named = holders
        .filter((h) => h.who.startsWith(`Rempart-Booking-Api-${region}`))
        .map((h) => h.who)
        .sort();
      expect(named).toEqual(
        [
          'BookingsIntegrationPolicy',
          'BookingsWorkerRoleDefaultPolicy',
          'CatalogueFunctionRoleDefaultPolicy',
          'StatusFunctionRoleDefaultPolicy',
          'WriteAuthorizerFunctionRoleDefaultPolicy',
          // The waiting room keeps its items in the booking table and its joins in a queue under this key.
          'AdmissionControllerRoleDefaultPolicy',
          'AdmissionEnterRoleDefaultPolicy',
          'AdmissionJoinConsumerRoleDefaultPolicy',
          'AdmissionJoinIntegrationPolicy',
          'AdmissionOriginRoleDefaultPolicy',
          'AdmissionSweepRoleDefaultPolicy',
        ]
          .sort()
          .map((p) => `Rempart-Booking-Api-${region}/${p}`),
      );
      // Any other holder reaches keys by wildcard and only through a service: the AWS Backup roles,
      // the Region probe (its heartbeat item in the booking table, through DynamoDB), and the ENT
      // replication role (through S3, which this key refuses).
      const others = holders.filter((h) => !h.who.startsWith(`Rempart-Booking-Api-${region}`));
      const expected =
        /Backup(Restore)?RolePolicy|ObservabilityBookingProbePolicy|DocumentsReplicateBackRoleDefaultPolicy/;
      expect(others.filter((h) => !(h.viaService && expected.test(h.who)))).toEqual([]);
    }
  });
});
