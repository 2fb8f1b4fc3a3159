import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  CfnResource,
  Stack,
  Validations,
  type IAspect,
  type IPolicyValidationContextBeta1,
  type IPolicyValidationPluginBeta1,
  type PolicyValidationPluginReportBeta1,
} from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { CONTROL_TOWER_NAMESPACE } from './controls';

/**
 * AWS Control Tower proactive controls (the cfn-guard rules shipped in
 * @cdklabs/cdk-validator-cfnguard) as a CDK policy-validation plugin: every template of `cdk synth`
 * is checked, and a violation fails the synth like an unacknowledged cdk-nag finding.
 *
 * Three ways a control is set aside, each by name with its reason:
 * 1. `CONTROL_TOWER_EXEMPTIONS`: controls that apply to no Rempart resource, disabled app-wide
 *    (cfn-guard 3.1.1 bundled here ignores `Metadata.guard.SuppressedRules`: checked, see
 *    docs/compliance.md).
 * 2. A Rempart control of `controls.ts` that lists the guard rule: an `acknowledge()` on the owning
 *    construct covers it, as for cdk-nag (aws-cdk-lib suppresses plugin findings per construct).
 * 3. `CONTROL_TOWER_EQUIVALENTS`: a guard rule that misreads a compliant template (a cross-stack key
 *    reference, a SourceArn built with Fn::Join, Container Insights "enhanced"); the aspect
 *    acknowledges it on a resource only when the resource's own properties prove the control met.
 */

/** Controls that apply to no Rempart resource, by guard rule file, with the reason. */
export const CONTROL_TOWER_EXEMPTIONS: Readonly<
  Record<string, { readonly control: string; readonly reason: string }>
> = {
  'ct-s3-pr-9': {
    control: 'CT.S3.PR.9 (S3 Object Lock on every bucket)',
    reason:
      'Immutability is provided where it matters, on the recovery points: every stateful bucket is backed up to AWS Backup vaults locked in compliance mode, copied to a third Region. Object Lock on the live buckets would forbid the lifecycle expiry that data-protection retention limits require (access logs, documents of departed pupils), and cannot be turned off once on.',
  },
  'ct-s3-pr-4': {
    control: 'CT.S3.PR.4 (S3 event notifications on every bucket)',
    reason:
      'No Rempart process reacts to object events; a notification without a consumer adds a queue or topic nobody reads. Changes to data buckets are recorded by versioning, replication metrics and AWS Backup.',
  },
};

/**
 * The Control Tower gate on a whole app: `addControlTowerGate(app)` where the App is created
 * (bin/app.ts). aws-cdk-lib 2.276 deprecates `AppProps.policyValidationBeta1` in favour of
 * `Validations.of(app).addPlugins()`, which this uses.
 */
export function addControlTowerGate(app: IConstruct): void {
  Validations.of(app).addPlugins(...rempartPolicyValidation());
}

/** The policy-validation plugins of the gate, for callers that build the App themselves. */
export function rempartPolicyValidation(): IPolicyValidationPluginBeta1[] {
  return [
    new ControlTowerGate(new CfnGuardValidator({ disabledRules: Object.keys(CONTROL_TOWER_EXEMPTIONS) })),
  ];
}

/**
 * The cfn-guard plugin with every violation marked as an error. The plugin leaves `severity` unset;
 * once aws-cdk-lib has applied one acknowledgement to its report, it recomputes success from the
 * severities and a report of unset ones passes: the gate would open at the first acknowledgement.
 */
class ControlTowerGate implements IPolicyValidationPluginBeta1 {
  public readonly name: string;
  public readonly version?: string;
  public readonly ruleIds?: string[];

  constructor(private readonly guard: CfnGuardValidator) {
    this.name = guard.name;
    this.version = guard.version;
    this.ruleIds = guard.ruleIds;
  }

  public validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const report = this.guard.validate(context);
    return {
      ...report,
      violations: report.violations.map((v) => ({ ...v, severity: v.severity ?? 'error' })),
    };
  }
}

interface Equivalent {
  /** Guard rule name, as the plugin reports it. */
  readonly rule: string;
  readonly type: string;
  /** True when the synthesized properties prove the control's intent. */
  readonly proves: (properties: Record<string, unknown>) => boolean;
  readonly reason: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Guard rules that misread templates Rempart writes, with the property test that proves compliance. */
export const CONTROL_TOWER_EQUIVALENTS: readonly Equivalent[] = [
  {
    rule: 'sqs_queue_encrypted_check',
    type: 'AWS::SQS::Queue',
    proves: (p) => isObject(p.KmsMasterKeyId) && p.SqsManagedSseEnabled !== true,
    reason:
      'The queue is encrypted with a customer-managed KMS key of the stateful stack, referenced across stacks (Fn::ImportValue); CT.SQS.PR.2 only recognises a literal key id or a key of the same template.',
  },
  {
    rule: 'lambda_function_public_access_prohibited_check',
    type: 'AWS::Lambda::Permission',
    proves: (p) =>
      typeof p.Principal === 'string' &&
      /\.amazonaws\.com$/.test(p.Principal) &&
      p.SourceArn !== undefined &&
      p.FunctionUrlAuthType === undefined,
    reason:
      'A service principal bound to one source ARN (the REST API of this account, built with Fn::Join); CT.LAMBDA.PR.2 only recognises a literal string or a plain Ref/GetAtt as SourceArn.',
  },
  {
    rule: 'ecs_container_insights_enabled_check',
    type: 'AWS::ECS::Cluster',
    proves: (p) =>
      Array.isArray(p.ClusterSettings) &&
      p.ClusterSettings.some((s) => isObject(s) && s.Name === 'containerInsights' && s.Value === 'enhanced'),
    reason:
      'Container Insights is on with enhanced observability ("enhanced"), which collects everything "enabled" does and more; CT.ECS.PR.2 predates the value.',
  },
];

/**
 * Acknowledges a CONTROL_TOWER_EQUIVALENTS rule on each resource whose synthesized properties prove
 * the control met. Added by `addComplianceGates`; a resource that does not prove it stays reported.
 */
export class ControlTowerEquivalents implements IAspect {
  public visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node)) return;
    for (const e of CONTROL_TOWER_EQUIVALENTS) {
      if (node.cfnResourceType !== e.type) continue;
      if (e.proves(synthesizedProperties(node))) {
        Validations.of(node).acknowledge({ id: `${CONTROL_TOWER_NAMESPACE}::${e.rule}`, reason: e.reason });
      }
    }
  }
}

function synthesizedProperties(node: CfnResource): Record<string, unknown> {
  try {
    const rendered = Stack.of(node).resolve(
      (node as unknown as { _toCloudFormation(): unknown })._toCloudFormation(),
    ) as { Resources?: Record<string, { Properties?: Record<string, unknown> }> };
    return Object.values(rendered.Resources ?? {})[0]?.Properties ?? {};
  } catch {
    return {};
  }
}
