import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  CfnResource,
  Stack,
  Validations,
  type IAspect,
  type IPolicyValidationContextBeta1,
  type IPolicyValidationPluginBeta1,
  type PolicyValidationPluginReportBeta1,
  type PolicyViolationBeta1,
} from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { CONTROL_TOWER_NAMESPACE } from './controls';
import { atTemplate, FindingsCache, sha256 } from './findings-cache';

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

/** Options of the Control Tower gate. */
export interface ControlTowerGateOptions {
  /**
   * Where the findings of each rule group on each trimmed document are kept between synths.
   * @default - `node_modules/.cache/rempart-guard` of the working directory, else the OS temp dir
   */
  readonly cacheDir?: string;
}

/** The policy-validation plugins of the gate, for callers that build the App themselves. */
export function rempartPolicyValidation(
  options: ControlTowerGateOptions = {},
): IPolicyValidationPluginBeta1[] {
  const cache = options.cacheDir ? new FindingsCache(options.cacheDir) : FindingsCache.named('rempart-guard');
  return [new ControlTowerGate(Object.keys(CONTROL_TOWER_EXEMPTIONS), cache)];
}

/** The Control Tower cfn-guard rules shipped with the plugin, one `.guard` file per control. */
export const CONTROL_TOWER_RULES_DIR = join(
  dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
  'rules',
  'control-tower',
  'cfn-guard',
);

/**
 * The rules that read the same resource types, run together. A Control Tower rule selects the
 * resources it inspects by a CloudFormation type written in the rule file (`Resources.*[ Type ==
 * %X ]`), and may follow their references to other resources (`query_for_resource`), so a rule
 * evaluated on a template holding the resources of those types and everything they refer to
 * reaches the same verdict as on the whole template. A rule file that names no type is given the
 * whole template.
 */
export interface ControlTowerRuleGroup {
  /** CloudFormation types the rules name; empty: the rules read whole templates. */
  readonly types: readonly string[];
  /** The `.guard` files of the group, absolute paths. */
  readonly ruleFiles: readonly string[];
}

/** Groups the rule files under `rulesDir` (less `disabledRules`, by file name) by the types they name. */
export function controlTowerRuleGroups(
  rulesDir: string = CONTROL_TOWER_RULES_DIR,
  disabledRules: readonly string[] = [],
): ControlTowerRuleGroup[] {
  const groups = new Map<string, { types: string[]; ruleFiles: string[] }>();
  const files = readdirSync(rulesDir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.guard') && !disabledRules.includes(basename(f, '.guard')))
    .sort();
  for (const file of files) {
    const path = join(rulesDir, file);
    const types = [
      ...new Set(readFileSync(path, 'utf8').match(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g) ?? []),
    ].sort();
    const key = types.join(',');
    const group = groups.get(key) ?? { types, ruleFiles: [] };
    group.ruleFiles.push(path);
    groups.set(key, group);
  }
  return [...groups.values()];
}

interface Template {
  readonly path: string;
  readonly body: { Resources?: Record<string, { Type?: string }> } & Record<string, unknown>;
}

/**
 * The cfn-guard plugin, run by rule group on the part of each template its rules read, with every
 * violation marked as an error.
 *
 * Why by group: cfn-guard 3.1.1 evaluates each rule over the whole document, so the plugin's single
 * call (237 rules × 13 templates of 7–180 KB) costs ~20–50 s; one call per group over the templates
 * trimmed to the group's resource types gives the same findings in a fraction of it (BENCHMARKS.md;
 * `test/compliance/control-tower.test.ts` compares both on non-compliant templates).
 *
 * Why every violation is an error: the plugin leaves `severity` unset; once aws-cdk-lib has applied
 * one acknowledgement to its report, it recomputes success from the severities and a report of unset
 * ones passes: the gate would open at the first acknowledgement.
 */
class ControlTowerGate implements IPolicyValidationPluginBeta1 {
  public readonly name: string;
  public readonly version?: string;
  public readonly ruleIds?: string[];
  private readonly groups: ReadonlyArray<
    ControlTowerRuleGroup & { readonly guard: CfnGuardValidator; readonly digest: string }
  >;

  constructor(
    disabledRules: readonly string[],
    private readonly cache: FindingsCache,
  ) {
    const whole = new CfnGuardValidator({ disabledRules: [...disabledRules] });
    this.name = whole.name;
    this.version = whole.version;
    this.ruleIds = whole.ruleIds;
    this.groups = controlTowerRuleGroups(CONTROL_TOWER_RULES_DIR, disabledRules).map((g) => ({
      ...g,
      guard: new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: [...g.ruleFiles] }),
      // The verdict depends only on the guard binary (the plugin's version pins it), the rules and the document.
      digest: sha256([whole.version ?? '', ...g.ruleFiles.map((f) => readFileSync(f, 'utf8'))].join('\0')),
    }));
  }

  public validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const templates: Template[] = context.templatePaths.map((path) => ({
      path,
      body: JSON.parse(readFileSync(path, 'utf8')) as Template['body'],
    }));
    const workDir = mkdtempSync(join(tmpdir(), 'rempart-guard-'));
    try {
      const violations = this.groups.flatMap((group, g) => {
        const found: PolicyViolationBeta1[] = [];
        const misses = new Map<string, { original: string; cacheKey: string }>();
        templates.forEach((template, t) => {
          const trimmed = trimToTypes(template.body, group.types);
          if (!trimmed) return;
          const text = JSON.stringify(trimmed);
          const cacheKey = sha256(`${group.digest}\0${text}`);
          const cached = this.cache.read<PolicyViolationBeta1>(cacheKey);
          if (cached) {
            found.push(...cached.map((v) => atTemplate(v, template.path)));
            return;
          }
          const path = join(workDir, `g${g}-t${t}.json`);
          writeFileSync(path, text);
          misses.set(path, { original: template.path, cacheKey });
        });
        if (misses.size === 0) return found;
        const report = group.guard.validate({ ...context, templatePaths: [...misses.keys()] });
        for (const [path, { original, cacheKey }] of misses) {
          // The plugin reports each violation against the one document it was found in.
          const mine = report.violations.filter((v) => v.violatingResources[0]?.templatePath === path);
          this.cache.write(cacheKey, mine);
          found.push(...mine.map((v) => atTemplate(v, original)));
        }
        return found;
      });
      return {
        success: violations.length === 0,
        violations: violations.map((v) => ({ ...v, severity: v.severity ?? 'error' })),
      };
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
}

/**
 * The template with the resources of `types` and every resource they refer to, directly or through
 * another (`Ref`, `Fn::GetAtt`, `Fn::Sub`): some rules check that a reference points at a resource
 * of the same template, whatever its type (CT.LAMBDA.PR.2's `query_for_resource`). All of it when
 * `types` is empty; undefined when no resource is of those types.
 */
function trimToTypes(body: Template['body'], types: readonly string[]): Template['body'] | undefined {
  if (types.length === 0) return body;
  const all = body.Resources ?? {};
  const kept = new Set(Object.keys(all).filter((id) => types.includes(all[id].Type ?? '')));
  if (kept.size === 0) return undefined;
  const pending = [...kept];
  while (pending.length > 0) {
    for (const id of referencesOf(all[pending.pop() as string])) {
      if (id in all && !kept.has(id)) {
        kept.add(id);
        pending.push(id);
      }
    }
  }
  return { ...body, Resources: Object.fromEntries(Object.entries(all).filter(([id]) => kept.has(id))) };
}

/** Logical ids a CloudFormation value refers to. */
function referencesOf(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) referencesOf(v, found);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') found.add(v);
      else if (key === 'Fn::GetAtt') {
        const target: unknown = Array.isArray(v) ? v[0] : typeof v === 'string' ? v.split('.')[0] : undefined;
        if (typeof target === 'string') found.add(target);
      } else if (key === 'Fn::Sub') {
        const text: unknown = Array.isArray(v) ? v[0] : v;
        if (typeof text === 'string') {
          for (const m of text.matchAll(/\$\{([^}.!]+)[^}]*\}/g)) found.add(m[1]);
        }
      }
      referencesOf(v, found);
    }
  }
  return found;
}

/**
 * A Control Tower Guard rule that misreads a template Rempart writes, and the property test that
 * proves the control's intent met instead. Listed in `CONTROL_TOWER_EQUIVALENTS`, so that an auditor
 * reads each exception, its test and its reason in one place.
 */
export interface ControlTowerEquivalent {
  /** Guard rule name, as the plugin reports it. */
  readonly rule: string;
  /** CloudFormation resource type the rule reads, e.g. "AWS::SQS::Queue"; other types are not tested. */
  readonly type: string;
  /**
   * The property test: true when the resource's synthesized properties prove the control's intent.
   * A resource that fails it stays reported.
   */
  readonly proves: (properties: Record<string, unknown>) => boolean;
  /** Recorded as the acknowledgement reason on each resource that passes `proves`. */
  readonly reason: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Guard rules that misread templates Rempart writes, with the property test that proves compliance. */
export const CONTROL_TOWER_EQUIVALENTS: readonly ControlTowerEquivalent[] = [
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
      'A service principal bound to one source ARN built with Fn::Join (an execute-api ARN of a REST API of this account); CT.LAMBDA.PR.2 only recognises a literal string or a Ref/GetAtt of a resource of the same template as SourceArn.',
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
