import { readFileSync } from 'node:fs';
import {
  CloudFormationValidatePlugin,
  Validations,
  type IPolicyValidationContext,
  type PolicyValidationPluginReport,
  type PolicyValidationStack,
  type PolicyViolation,
} from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { atTemplate, FindingsCache, sha256 } from './findings-cache';

/** Options of the cached CloudFormation validation. */
export interface CloudFormationValidationOptions {
  /**
   * Where the findings on each template are kept between synths.
   * @default - `node_modules/.cache/rempart-cfn-validate` of the working directory, else the OS temp dir
   */
  readonly cacheDir?: string;
}

/**
 * aws-cdk-lib's built-in CloudFormation validation (schemas and its default rules), with its
 * findings on each template kept by content: an unchanged template is not validated again by the
 * next synth. It costs about half of a full synth here (BENCHMARKS.md), for the same verdict on
 * the same template every time.
 *
 * Registered on the App, it takes the place of the built-in instance (aws-cdk-lib runs a
 * registered `CloudFormationValidatePlugin` instead of its own, and still treats it as trusted), so
 * reporting, acknowledgements and the `@aws-cdk/core:validateAgainstDefaultRules` flag (errors
 * fail the synth) work as for the built-in one.
 */
export class CachedCloudFormationValidation extends CloudFormationValidatePlugin {
  private readonly cache: FindingsCache;
  /** What the verdict depends on besides the template: aws-cdk-lib's version (engine, schemas, rules). */
  private readonly digest: string;

  constructor(options: CloudFormationValidationOptions = {}) {
    super();
    this.cache = options.cacheDir
      ? new FindingsCache(options.cacheDir)
      : FindingsCache.named('rempart-cfn-validate');
    this.digest = sha256(
      `${CloudFormationValidatePlugin.PLUGIN_NAME}\0${cdkLibVersion()}\0${this.version ?? ''}`,
    );
  }

  /** The built-in validation's report, from the cache for templates already seen. */
  public override validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const found: PolicyViolation[] = [];
    const misses: Array<{ readonly template: PolicyValidationStack; readonly key: string }> = [];
    for (const template of context.stackTemplates) {
      // The engine reads the account and Region as pseudo-parameters, and names the stack on
      // findings about no resource: both are part of the verdict.
      const key = sha256(
        [
          this.digest,
          template.stackConstructPath,
          template.accountId ?? '',
          template.region ?? '',
          readFileSync(template.templatePath, 'utf8'),
        ].join('\0'),
      );
      const cached = this.cache.read<PolicyViolation>(key);
      if (cached) found.push(...cached.map((v) => atTemplate(v, template.templatePath)));
      else misses.push({ template, key });
    }
    if (misses.length > 0) {
      const stackTemplates = misses.map((m) => m.template);
      const report = super.validate({
        ...context,
        stackTemplates,
        templatePaths: stackTemplates.map((t) => t.templatePath),
      });
      for (const { template, key } of misses) {
        const mine = ofTemplate(report.violations, template.templatePath);
        this.cache.write(key, mine);
        found.push(...mine);
      }
    }
    const violations = merged(found);
    return { success: violations.every((v) => v.severity !== 'error' && v.severity !== 'fatal'), violations };
  }
}

/**
 * aws-cdk-lib's built-in CloudFormation validation, cached by template (`CachedCloudFormationValidation`),
 * on a whole app. Call it on the App, where the App is created (bin/app.ts).
 */
export function addCloudFormationValidation(
  app: IConstruct,
  options: CloudFormationValidationOptions = {},
): void {
  Validations.of(app).addPlugins(new CachedCloudFormationValidation(options));
}

/** The part of each violation found in one template (the engine merges alike findings across templates). */
function ofTemplate(violations: readonly PolicyViolation[], templatePath: string): PolicyViolation[] {
  return violations.flatMap((v) => {
    const resources = v.violatingResources.filter((r) => r.templatePath === templatePath);
    return resources.length > 0 ? [{ ...v, violatingResources: resources }] : [];
  });
}

/** Alike findings (same rule, severity and description) as one violation, as the engine reports them. */
function merged(violations: readonly PolicyViolation[]): PolicyViolation[] {
  const byFinding = new Map<string, PolicyViolation>();
  for (const v of violations) {
    const id = JSON.stringify([v.ruleName, v.severity, v.description]);
    const same = byFinding.get(id);
    byFinding.set(
      id,
      same ? { ...same, violatingResources: [...same.violatingResources, ...v.violatingResources] } : v,
    );
  }
  return [...byFinding.values()];
}

function cdkLibVersion(): string {
  return (
    JSON.parse(readFileSync(require.resolve('aws-cdk-lib/package.json'), 'utf8')) as { version: string }
  ).version;
}
