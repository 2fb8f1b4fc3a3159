import { Aspects, Validations } from 'aws-cdk-lib';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NIST80053R5Checks,
  PCIDSS321Checks,
  ServerlessChecks,
  type NagPack,
} from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { addControlTowerGate, ControlTowerEquivalents } from './control-tower';
import { RempartResilienceChecks } from './resilience/resilience-checks';

/**
 * Which packs `compliancePacks()` and `addComplianceGates()` run besides those Rempart always claims
 * (AWS Solutions, Serverless, NIST 800-53 R5, HIPAA Security and Rempart's resilience rules).
 */
export interface CompliancePackOptions {
  /** Add PCI DSS 3.2.1, for deployments that take card payments. @default false */
  readonly pciDss?: boolean;
  /** Extra packs (your own rules, for instance) checked with the same gate. @default - none */
  readonly extraPacks?: readonly NagPack[];
  /**
   * Also run AWS Control Tower's proactive controls (cfn-guard, ~10 s of CPU for the whole app).
   * bin/app.ts adds them with `addControlTowerGate(app)`.
   * @default false
   */
  readonly controlTower?: boolean;
}

/**
 * The packs Rempart claims. HIPAA Security stands in for France's HDS (health data hosting), which
 * has no pack of its own. Rempart's own resilience rules (`RempartResilience`) are always on.
 */
export function compliancePacks(scope: IConstruct, options: CompliancePackOptions = {}): NagPack[] {
  const packs: NagPack[] = [
    new AwsSolutionsChecks(scope),
    new ServerlessChecks(scope),
    new NIST80053R5Checks(scope),
    new HIPAASecurityChecks(scope),
    new RempartResilienceChecks(scope),
  ];
  if (options.pciDss) packs.push(new PCIDSS321Checks(scope));
  packs.push(...(options.extraPacks ?? []));
  return packs;
}

/**
 * Attach the packs to a whole app: any unacknowledged finding then fails `cdk synth`. Also records,
 * resource by resource, the Control Tower findings that the resource's properties prove wrong
 * (`ControlTowerEquivalents`), so that the Control Tower gate passes wherever it is attached.
 */
export function addComplianceGates(app: IConstruct, options: CompliancePackOptions = {}): NagPack[] {
  const packs = compliancePacks(app, options);
  Validations.of(app).addPlugins(...packs);
  Aspects.of(app).add(new ControlTowerEquivalents());
  if (options.controlTower) addControlTowerGate(app);
  return packs;
}
