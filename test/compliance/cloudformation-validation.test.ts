import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  App,
  CfnResource,
  CloudFormationValidatePlugin,
  Stack,
  type PolicyValidationPluginReport,
  type PolicyValidationStack,
} from 'aws-cdk-lib';
import {
  addCloudFormationValidation,
  CachedCloudFormationValidation,
} from '../../lib/compliance/cloudformation-validation';
import { cdkJsonContext } from '../helpers/synth';

// The cached validation must reach aws-cdk-lib's verdict on every template, cold or warm, and still
// fail the synth: it replaces the built-in validation in bin/app.ts.

/** Resources the engine refuses (schema errors) or warns about, in two stacks of two Regions. */
function invalidStacks(app: App): void {
  for (const [id, region] of [
    ['A', 'eu-west-3'],
    ['B', 'eu-central-1'],
  ] as const) {
    const s = new Stack(app, id, { env: { account: '111111111111', region } });
    new CfnResource(s, 'Queue', {
      type: 'AWS::SQS::Queue',
      properties: { MessageRetentionPeriod: 'four days', Bogus: 1 },
    });
    new CfnResource(s, 'Fn', {
      type: 'AWS::Lambda::Function',
      properties: {
        Runtime: 'nodejs1.x',
        Handler: 'index.handler',
        Code: { ZipFile: 'exports.handler = 1' },
        Role: 'arn:aws:iam::111111111111:role/r',
      },
    });
    if (id === 'B') new CfnResource(s, 'Topic', { type: 'AWS::SNS::Topic', properties: { Nope: true } });
  }
}

const normalized = (report: PolicyValidationPluginReport) =>
  report.violations
    .flatMap((v) =>
      v.violatingResources.map(
        (r) =>
          `${v.ruleName} ${v.severity} ${r.templatePath?.split('/').pop()} ${r.resourceLogicalId} ${r.locations.join(',')} ${v.description}`,
      ),
    )
    .sort();

describe('CachedCloudFormationValidation', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'rempart-cfn-validate-'));
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  invalidStacks(app);
  const assembly = app.synth();
  const stackTemplates: PolicyValidationStack[] = assembly.stacks.map((s) => ({
    stackConstructPath: s.hierarchicalId,
    templatePath: join(outdir, s.templateFile),
    accountId: s.environment.account,
    region: s.environment.region,
  }));
  const contextOf = (stacks: PolicyValidationStack[]) => ({
    templatePaths: stacks.map((s) => s.templatePath),
    stackTemplates: stacks,
    appConstruct: app,
  });
  const builtin = new CloudFormationValidatePlugin().validate(contextOf(stackTemplates));
  let cacheDir: string;
  beforeEach(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'rempart-cfn-cache-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(cacheDir, { recursive: true, force: true });
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('reports what the built-in validation reports, cold and then warm without running the engine', () => {
    // Not vacuous: errors and warnings of several rules, in both templates.
    expect(new Set(builtin.violations.map((v) => v.ruleName)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(builtin.violations.map((v) => v.severity))).toEqual(new Set(['error', 'warning']));
    expect(builtin.success).toBe(false);

    const cold = new CachedCloudFormationValidation({ cacheDir }).validate(contextOf(stackTemplates));
    expect(normalized(cold)).toEqual(normalized(builtin));
    expect(cold.success).toBe(false);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.json'))).toHaveLength(2);

    const engine = jest.spyOn(CloudFormationValidatePlugin.prototype, 'validate');
    const warm = new CachedCloudFormationValidation({ cacheDir }).validate(contextOf(stackTemplates));
    expect(engine).not.toHaveBeenCalled();
    expect(normalized(warm)).toEqual(normalized(builtin));
    expect(warm.success).toBe(false);
    // Alike findings of both templates are one violation, as the engine reports them.
    expect(warm.violations.map((v) => v.ruleName).sort()).toEqual(
      builtin.violations.map((v) => v.ruleName).sort(),
    );
  });

  it('validates again only a template whose content changed, and reads a broken entry as a miss', () => {
    new CachedCloudFormationValidation({ cacheDir }).validate(contextOf(stackTemplates));
    const [a, b] = stackTemplates as [PolicyValidationStack, PolicyValidationStack];
    const changedDir = mkdtempSync(join(tmpdir(), 'rempart-cfn-changed-'));
    try {
      // B gets a valid queue: its findings change, A's are read back.
      const template = JSON.parse(readFileSync(b.templatePath, 'utf8')) as {
        Resources: Record<string, { Properties?: Record<string, unknown> }>;
      };
      template.Resources.Queue = { ...template.Resources.Queue, Properties: { MessageRetentionPeriod: 60 } };
      const changed = { ...b, templatePath: join(changedDir, 'B.template.json') };
      writeFileSync(changed.templatePath, JSON.stringify(template));
      const engine = jest.spyOn(CloudFormationValidatePlugin.prototype, 'validate');
      const report = new CachedCloudFormationValidation({ cacheDir }).validate(contextOf([a, changed]));
      expect(engine).toHaveBeenCalledTimes(1);
      expect(engine.mock.calls[0]?.[0].stackTemplates.map((s) => s.templatePath)).toEqual([
        changed.templatePath,
      ]);
      engine.mockRestore();
      const expected = new CloudFormationValidatePlugin().validate(contextOf([a, changed]));
      expect(normalized(report)).toEqual(normalized(expected));
      expect(normalized(report).filter((f) => f.includes('B.template.json Queue'))).toEqual([]);

      for (const entry of readdirSync(cacheDir)) writeFileSync(join(cacheDir, entry), '{not json');
      const again = jest.spyOn(CloudFormationValidatePlugin.prototype, 'validate');
      const rebuilt = new CachedCloudFormationValidation({ cacheDir }).validate(contextOf([a, changed]));
      expect(again).toHaveBeenCalledTimes(1);
      expect(normalized(rebuilt)).toEqual(normalized(expected));
    } finally {
      rmSync(changedDir, { recursive: true, force: true });
    }
  });

  it('fails the synth on an error, from a cold or a warm cache, in place of the built-in validation', () => {
    const synth = () => {
      const dir = mkdtempSync(join(tmpdir(), 'rempart-cfn-app-'));
      // cdk.json's flags, among them @aws-cdk/core:validateAgainstDefaultRules (errors fail).
      const gated = new App({ outdir: dir, context: cdkJsonContext() });
      addCloudFormationValidation(gated, { cacheDir });
      invalidStacks(gated);
      try {
        gated.synth();
        return { thrown: undefined, report: '' };
      } catch (e) {
        return {
          thrown: (e as Error).message,
          report: readFileSync(join(dir, 'validation-report.json'), 'utf8'),
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const engine = jest.spyOn(CloudFormationValidatePlugin.prototype, 'validate');
    const cold = synth();
    // Once, by the registered plugin: aws-cdk-lib does not add its own instance beside it.
    expect(engine).toHaveBeenCalledTimes(1);
    const warm = synth();
    expect(engine).toHaveBeenCalledTimes(1);
    for (const run of [cold, warm]) {
      expect(run.thrown).toMatch(/F3002/);
      expect(run.thrown).toMatch(/Bogus/);
      const plugins = (JSON.parse(run.report) as { pluginReports: Array<{ pluginName: string }> })
        .pluginReports;
      expect(plugins.map((p) => p.pluginName)).toEqual([CloudFormationValidatePlugin.PLUGIN_NAME]);
    }
  });
});
