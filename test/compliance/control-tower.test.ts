import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
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
