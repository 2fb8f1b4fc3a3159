import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Duration, Fn, Stack, type PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { readdirSync } from 'node:fs';
import { acknowledge } from '../../lib/compliance/acknowledge';
import {
  addControlTowerGate,
  CONTROL_TOWER_EXEMPTIONS,
  ControlTowerEquivalents,
  controlTowerRuleGroups,
  rempartPolicyValidation,
} from '../../lib/compliance/control-tower';
import { LogEncryptionKey } from '../../lib/constructs/log-encryption-key/log-encryption-key';
import { cdkJsonContext } from '../helpers/synth';
import { Aspects } from 'aws-cdk-lib';

const GUARD_RULES = join(
  __dirname,
  '../../node_modules/@cdklabs/cdk-validator-cfnguard/rules/control-tower/cfn-guard',
);
const reason = 'Test: acknowledged to prove the gate reads acknowledgements.';

/** A tiny app with the Control Tower gate and Rempart's equivalence aspect, synthesized into a temp dir. */
function tinyApp(build: (stack: Stack) => void): { error?: string; unsuppressed: string[] } {
  const outdir = mkdtempSync(join(tmpdir(), 'rempart-ct-'));
  try {
    const app = new App({
      outdir,
      context: cdkJsonContext(),
      builtinCloudFormationValidation: false,
    });
    addControlTowerGate(app);
    Aspects.of(app).add(new ControlTowerEquivalents());
    const stack = new Stack(app, 'Tiny', { env: { account: '111111111111', region: 'eu-west-3' } });
    build(stack);
    let error: string | undefined;
    try {
      app.synth();
    } catch (e) {
      error = (e as Error).message;
    }
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: {
        violations: { ruleName: string; violatingConstructs?: { constructPath: string }[] }[];
      }[];
    };
    const unsuppressed = report.pluginReports.flatMap((p) =>
      p.violations.flatMap((v) =>
        (v.violatingConstructs ?? []).map((c) => `${v.ruleName} ${c.constructPath}`),
      ),
    );
    return { error, unsuppressed };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const logGroup = (stack: Stack, id: string, retention: logs.RetentionDays) =>
  new logs.LogGroup(stack, id, {
    retention,
    encryptionKey: new LogEncryptionKey(stack, `${id}Key`).key,
  });
const shortLogs = (stack: Stack, id: string) => logGroup(stack, id, logs.RetentionDays.ONE_WEEK);

describe('Control Tower proactive controls as a policy-validation plugin', () => {
  it('fails the synth on a non-compliant resource, naming the control', () => {
    const { error, unsuppressed } = tinyApp((s) => shortLogs(s, 'Logs'));
    expect(error).toMatch(/CT\.CLOUDWATCH\.PR\.2/);
    expect(unsuppressed).toEqual(['cloudwatch_log_group_retention_period_check Tiny/Logs/Resource']);
  });

  it('honours an acknowledgement on the owning construct only, and still fails on the other resource', () => {
    const { error, unsuppressed } = tinyApp((s) => {
      acknowledge(shortLogs(s, 'Accepted'), {
        id: 'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check',
        reason,
      });
      shortLogs(s, 'Refused');
    });
    // Without the severity fix, the first acknowledgement would turn the whole report into a pass.
    expect(error).toMatch(/CT\.CLOUDWATCH\.PR\.2/);
    expect(unsuppressed).toEqual(['cloudwatch_log_group_retention_period_check Tiny/Refused/Resource']);
  });

  it('passes a compliant app', () => {
    const { error, unsuppressed } = tinyApp((s) => {
      // A log group of a year, encrypted with Rempart's log key (which also passes CT.KMS.PR.3).
      logGroup(s, 'Logs', logs.RetentionDays.ONE_YEAR);
    });
    expect(unsuppressed).toEqual([]);
    expect(error).toBeUndefined();
  });

  it('accepts Container Insights "enhanced" as the control met, and still refuses a cluster without it', () => {
    const { unsuppressed } = tinyApp((s) => {
      new ecs.Cluster(s, 'Enhanced', { containerInsightsV2: ecs.ContainerInsights.ENHANCED });
      new ecs.Cluster(s, 'Off', { containerInsightsV2: ecs.ContainerInsights.DISABLED });
    });
    expect(unsuppressed.filter((f) => f.startsWith('ecs_container_insights'))).toEqual([
      'ecs_container_insights_enabled_check Tiny/Off/Resource',
    ]);
  });

  it('accepts a queue encrypted with a key of another stack, and still refuses an unencrypted queue', () => {
    const { unsuppressed } = tinyApp((s) => {
      const keys = new Stack(s.node.root, 'Keys', { env: { account: '111111111111', region: 'eu-west-3' } });
      const key = new kms.Key(keys, 'Key', { enableKeyRotation: true });
      new sqs.Queue(s, 'Encrypted', {
        encryptionMasterKey: key,
        encryption: sqs.QueueEncryption.KMS,
        retentionPeriod: Duration.days(4),
      });
      new sqs.Queue(s, 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    });
    expect(unsuppressed.filter((f) => f.startsWith('sqs_queue_encrypted'))).toEqual([
      'sqs_queue_encrypted_check Tiny/Plain/Resource',
    ]);
  });

  it('exempts app-wide only controls that exist, each with a reason an auditor can read', () => {
    const files = readdirSync(GUARD_RULES, { recursive: true }).map((f) => String(f).split('/').pop());
    for (const [rule, { reason: why }] of Object.entries(CONTROL_TOWER_EXEMPTIONS)) {
      expect(files).toContain(`${rule}.guard`);
      expect(why.length).toBeGreaterThan(80);
    }
  });
});

describe('the gate runs cfn-guard by rule group on trimmed templates, with the plugin’s findings', () => {
  // Two stacks of deliberately non-compliant resources of many types, some referring to each other
  // (a queue and its key, a function and its role and permission, a bucket and its policy), so that
  // rules following references across types are exercised.
  const outdir = mkdtempSync(join(tmpdir(), 'rempart-ct-groups-'));
  const app = new App({ outdir, context: cdkJsonContext(), builtinCloudFormationValidation: false });
  const a = new Stack(app, 'A', { env: { account: '111111111111', region: 'eu-west-3' } });
  const b = new Stack(app, 'B', { env: { account: '111111111111', region: 'eu-central-1' } });
  for (const s of [a, b]) {
    const key = new kms.Key(s, 'Key');
    new sqs.Queue(s, 'KeyQueue', { encryptionMasterKey: key, encryption: sqs.QueueEncryption.KMS });
    new sqs.Queue(s, 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    new logs.LogGroup(s, 'Logs', { retention: logs.RetentionDays.ONE_DAY });
    const bucket = new s3.Bucket(s, 'Bucket', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY });
    bucket.grantRead(new iam.AccountRootPrincipal());
    new dynamodb.Table(s, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    new sns.CfnTopic(s, 'Topic');
    const fn = new lambda.Function(s, 'Fn', {
      runtime: lambda.Runtime.NODEJS_20_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => 1;'),
    });
    fn.addPermission('Anyone', { principal: new iam.AnyPrincipal() });
    // A reference to a resource of a type the rule does not name (CT.LAMBDA.PR.2 checks it exists).
    fn.addPermission('FromBucket', {
      principal: new iam.ServicePrincipal('s3.amazonaws.com'),
      sourceArn: bucket.bucketArn,
    });
    fn.addPermission('FromTopic', {
      principal: new iam.ServicePrincipal('sns.amazonaws.com'),
      sourceArn: Fn.sub('${Topic}'),
    });
    new iam.Role(s, 'Admin', {
      assumedBy: new iam.AccountRootPrincipal(),
      inlinePolicies: {
        all: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({ actions: ['*'], resources: ['*'] })],
        }),
      },
    });
    new ec2.CfnSecurityGroup(s, 'Open', {
      groupDescription: 'open',
      securityGroupIngress: [{ ipProtocol: '-1', cidrIp: '0.0.0.0/0' }],
    });
    new ecs.Cluster(s, 'Cluster', { containerInsightsV2: ecs.ContainerInsights.DISABLED });
  }
  const assembly = app.synth();
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const context = {
    templatePaths: assembly.stacks.map((s) => join(outdir, s.templateFile)),
    appConstruct: app,
  };
  const normalized = (report: PolicyValidationPluginReportBeta1) =>
    report.violations
      .flatMap((v) =>
        v.violatingResources.map(
          (r) =>
            `${v.ruleName} ${r.templatePath.split('/').pop()} ${r.resourceLogicalId} ${[...r.locations].sort().join(',')}`,
        ),
      )
      .sort();

  it('reports exactly what the plugin’s single call over whole templates reports', () => {
    const disabled = Object.keys(CONTROL_TOWER_EXEMPTIONS);
    const whole = normalized(new CfnGuardValidator({ disabledRules: disabled }).validate(context));
    const cacheDir = mkdtempSync(join(tmpdir(), 'rempart-ct-cache-'));
    try {
      const gate = rempartPolicyValidation({ cacheDir })[0];
      const cold = gate.validate(context);
      // Not vacuous: many controls of many resource types fail here.
      expect(new Set(whole.map((f) => f.split(' ')[0])).size).toBeGreaterThanOrEqual(12);
      expect(normalized(cold)).toEqual(whole);
      expect(cold.success).toBe(false);
      expect(cold.violations.every((v) => v.severity === 'error')).toBe(true);
      // Every document was checked once and its findings kept; the next synth reads them back.
      expect(readdirSync(cacheDir).length).toBeGreaterThan(20);
      const warm = rempartPolicyValidation({ cacheDir })[0].validate(context);
      expect(normalized(warm)).toEqual(whole);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('groups every rule file once, and gives the whole template to a rule that names no type', () => {
    const groups = controlTowerRuleGroups();
    const files = groups.flatMap((g) => g.ruleFiles);
    expect(new Set(files).size).toBe(files.length);
    expect(files.length).toBe(
      readdirSync(GUARD_RULES, { recursive: true }).filter((f) => String(f).endsWith('.guard')).length,
    );
    const dir = mkdtempSync(join(tmpdir(), 'rempart-ct-rules-'));
    try {
      writeFileSync(join(dir, 'typed.guard'), "let T = 'AWS::SQS::Queue'\n");
      writeFileSync(join(dir, 'untyped.guard'), 'rule any { Resources.* { Type exists } }\n');
      writeFileSync(join(dir, 'skipped.guard'), "let T = 'AWS::SNS::Topic'\n");
      expect(controlTowerRuleGroups(dir, ['skipped'])).toEqual([
        { types: ['AWS::SQS::Queue'], ruleFiles: [join(dir, 'typed.guard')] },
        { types: [], ruleFiles: [join(dir, 'untyped.guard')] },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
