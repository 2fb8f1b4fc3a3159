import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnResource } from 'aws-cdk-lib';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NagPack,
  NIST80053R5Checks,
  PCIDSS321Checks,
  ServerlessChecks,
  type IApplyRule,
} from 'cdk-nag';
import {
  CONTROLS,
  CONTROL_TOWER_NAMESPACE,
  controlOf,
  expandAcknowledgedId,
} from '../../lib/compliance/controls';
import { RempartResilienceChecks } from '../../lib/compliance/resilience';
import { testStack } from '../helpers/synth';

/** Every rule id a pack can report: the packs apply all their rules to every resource. */
function ruleIdsOf(make: () => NagPack): Set<string> {
  const ids = new Set<string>();
  const pack = make() as unknown as {
    applyRule(p: IApplyRule): void;
    checkResource(n: CfnResource): void;
    readPackName: string;
  };
  pack.applyRule = (p: IApplyRule) => ids.add(`${pack.readPackName}-${p.ruleSuffixOverride ?? p.rule.name}`);
  pack.checkResource(new CfnResource(testStack(), 'Any', { type: 'AWS::SQS::Queue' }));
  return ids;
}

const nagRules = new Set(
  [
    () => new AwsSolutionsChecks(),
    () => new ServerlessChecks(),
    () => new NIST80053R5Checks(),
    () => new HIPAASecurityChecks(),
    () => new PCIDSS321Checks(),
    () => new RempartResilienceChecks(),
  ].flatMap((make) => [...ruleIdsOf(make)]),
);

const GUARD = join(
  __dirname,
  '../../node_modules/@cdklabs/cdk-validator-cfnguard/rules/control-tower/cfn-guard',
);
const guardRules = new Set(
  readdirSync(GUARD, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.guard'))
    .flatMap((f) =>
      [...readFileSync(join(GUARD, f), 'utf8').matchAll(/^rule ([a-z0-9_]+) when/gm)].map((m) => m[1]),
    ),
);

describe('control table', () => {
  const all = Object.values(CONTROLS).flatMap((c) => [...c.ids]);

  it('names only rules that exist in the installed packs and Control Tower rule files', () => {
    expect(nagRules.size).toBeGreaterThan(300);
    expect(guardRules.size).toBeGreaterThan(200);
    const unknown = all.filter((id) => {
      if (id.startsWith(`${CONTROL_TOWER_NAMESPACE}::`)) return !guardRules.has(id.split('::')[1]);
      return !nagRules.has(id.replace(/\[\{finding\}\]$/, ''));
    });
    expect(unknown).toEqual([]);
  });

  it('puts each rule id in one control only', () => {
    expect(all.length).toBe(new Set(all).size);
  });

  it('maps each pack rule id back to its control, granular ones included', () => {
    expect(controlOf('PCI.DSS.321-LambdaInsideVPC')).toBe('lambda-outside-vpc');
    expect(controlOf('AwsSolutions-IAM5[Resource::*]')).toBe('iam-wildcard-justified');
    expect(controlOf('AwsSolutions-SQS2')).toBeUndefined();
    expect(expandAcknowledgedId('lambda-outside-vpc').ids).toEqual([
      'NIST.800.53.R5-LambdaInsideVPC',
      'HIPAA.Security-LambdaInsideVPC',
      'PCI.DSS.321-LambdaInsideVPC',
      'cdk-validator-cfnguard::lambda_inside_vpc_check',
    ]);
    expect(expandAcknowledgedId('AwsSolutions-SQS2')).toEqual({ ids: ['AwsSolutions-SQS2'] });
  });

  it('is documented control by control in docs/compliance.md', () => {
    const doc = readFileSync(join(__dirname, '../../docs/compliance.md'), 'utf8');
    expect(Object.keys(CONTROLS).filter((id) => !doc.includes(`\`${id}`))).toEqual([]);
  });
});
