import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import {
  CrossRegionBackup,
  OffsiteBackupVault,
  type CrossRegionBackupProps,
} from '../../lib/constructs/cross-region-backup';
import { testStack } from '../helpers/synth';

const lock = { minRetentionDays: 7, maxRetentionDays: 400, changeableForDays: 3 };
const OFFSITE = 'arn:aws:backup:eu-west-1:111111111111:backup-vault:Svc-Offsite';

function build(overrides: Partial<CrossRegionBackupProps> = {}) {
  const stack = testStack('eu-west-3');
  const b = new CrossRegionBackup(stack, 'Backup', {
    selectionTag: { key: 'rempart:backup', value: 'daily' },
    copyTargetVaultArns: [OFFSITE],
    retention: Duration.days(35),
    lock,
    ...overrides,
  });
  return { b, template: Template.fromStack(stack) };
}

describe('CrossRegionBackup', () => {
  const { template } = build();

  it('keeps recovery points in a locked vault encrypted with a rotated customer-managed key, retained', () => {
    template.hasResource('AWS::Backup::BackupVault', {
      Properties: {
        EncryptionKeyArn: Match.anyValue(),
        LockConfiguration: { MinRetentionDays: 7, MaxRetentionDays: 400, ChangeableForDays: 3 },
      },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('snapshots daily and copies every point to the off-site vault with the same retention', () => {
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanName: Match.anyValue(),
        BackupPlanRule: [
          Match.objectLike({
            RuleName: 'Daily',
            ScheduleExpression: 'cron(0 2 * * ? *)',
            Lifecycle: { DeleteAfterDays: 35 },
            CopyActions: [{ DestinationBackupVaultArn: OFFSITE, Lifecycle: { DeleteAfterDays: 35 } }],
          }),
        ],
      },
    });
  });

  it('takes continuous backups of tagged buckets and copies them off-site too', () => {
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: Match.objectLike({
        BackupPlanRule: [
          Match.objectLike({
            RuleName: 'Continuous',
            EnableContinuousBackup: true,
            CopyActions: [Match.objectLike({ DestinationBackupVaultArn: OFFSITE })],
          }),
        ],
      }),
    });
    template.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({
        Resources: ['arn:aws:s3:::*'],
        Conditions: {
          StringEquals: [{ ConditionKey: 'aws:ResourceTag/rempart:backup', ConditionValue: 'daily' }],
        },
      }),
    });
  });

  it('selects resources by tag for the daily plan', () => {
    template.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({
        ListOfTags: [
          { ConditionKey: 'rempart:backup', ConditionValue: 'daily', ConditionType: 'STRINGEQUALS' },
        ],
      }),
    });
  });

  it('uses a given key instead of creating one', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Mine', { enableKeyRotation: true });
    const b = new CrossRegionBackup(stack, 'B', {
      selectionTag: { key: 'k', value: 'v' },
      copyTargetVaultArns: [OFFSITE],
      retention: Duration.days(35),
      lock,
      encryptionKey: key,
    });
    expect(b.key).toBe(key);
  });

  it('rejects no copy target, a retention outside the lock and a bad lock', () => {
    expect(() => build({ copyTargetVaultArns: [] })).toThrow(/copyTargetVaultArns is empty.*Fix:/);
    expect(() => build({ retention: Duration.days(500) })).toThrow(
      /retention is 500 days, outside the vault lock range 7-400/,
    );
    expect(() => build({ lock: { ...lock, changeableForDays: 1 } })).toThrow(
      /changeableForDays is 1\. Fix: use at least 3/,
    );
    expect(() => build({ continuousRetention: Duration.days(60) })).toThrow(
      /continuousRetention is 60 days\. Fix: use 1 to 35/,
    );
    expect(() => build({ retention: Duration.days(30), lock: { ...lock, maxRetentionDays: 30 } })).toThrow(
      /continuousRetention is 35 days, above lock\.maxRetentionDays 30: the locked vault refuses the copies\. Fix: lower it/,
    );
    expect(() => build({ dailyHourUtc: 24 })).toThrow(/dailyHourUtc is 24/);
  });
});

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
};
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Statements of the customer-managed policies attached to the role with this logical id prefix. */
function roleStatements(template: Template, rolePrefix: string): Statement[] {
  const roles = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) =>
    id.startsWith(rolePrefix),
  );
  expect(roles).toHaveLength(1);
  return Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roles[0] }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => list(s.Action));
const resourcesOf = (statements: Statement[], action: string) =>
  statements
    .filter((s) => list(s.Action).includes(action))
    .flatMap((s) => list(s.Resource).map((r) => JSON.stringify(r)));

describe('CrossRegionBackup service roles (AWS Backup, scoped)', () => {
  const { b, template } = build({
    protectedResources: { tableNames: ['Svc-prod-*'], bucketNames: ['svc-prod-*'] },
  });
  const backupRole = roleStatements(template, 'BackupRole');
  const restoreRole = roleStatements(template, 'BackupRestoreRole');

  it('attaches no AWS managed policy (AWS Backup restore policies write every table and bucket)', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns ?? []).toEqual(
        (role.Properties.ManagedPolicyArns ?? []).filter((a: unknown) => JSON.stringify(a).includes('Ref')),
      );
      expect(JSON.stringify(role.Properties)).not.toMatch(/iam::aws:policy/);
    }
  });

  it('trusts AWS Backup of this account only (aws:SourceAccount, aws:SourceArn)', () => {
    const trusts = Object.values(template.findResources('AWS::IAM::Role')).map(
      (r) =>
        (r as { Properties: { AssumeRolePolicyDocument: { Statement: unknown } } }).Properties
          .AssumeRolePolicyDocument.Statement,
    );
    expect(trusts).toHaveLength(2);
    for (const trust of trusts) {
      expect(trust).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'backup.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEqualsIfExists: { 'aws:SourceAccount': '111111111111' },
            ArnLikeIfExists: { 'aws:SourceArn': 'arn:aws:backup:*:111111111111:*' },
          },
        },
      ]);
    }
  });

  it('lets the backup role read the protected tables and buckets only, and write none of their data', () => {
    expect(resourcesOf(backupRole, 'dynamodb:StartAwsBackupJob')).toEqual([
      JSON.stringify('arn:aws:dynamodb:eu-west-3:111111111111:table/Svc-prod-*'),
    ]);
    expect(resourcesOf(backupRole, 's3:GetObject')).toEqual([JSON.stringify('arn:aws:s3:::svc-prod-*/*')]);
    const writes = actionsOf(backupRole).filter((a) =>
      /^(dynamodb:(Put|Update|Delete|BatchWrite)Item|dynamodb:Restore|s3:(Put|Delete)Object|s3:CreateBucket)/.test(
        a,
      ),
    );
    expect(writes).toEqual([]);
    expect(actionsOf(backupRole).filter((a) => a.includes('*'))).toEqual([]);
  });

  it('lets the backup role copy only into its own vault and the copy targets', () => {
    const vaults = resourcesOf(backupRole, 'backup:CopyIntoBackupVault');
    expect(vaults).toHaveLength(2);
    expect(vaults).toContain(JSON.stringify(OFFSITE));
  });

  it('lets the restore role write only new resources named like the restore targets', () => {
    const itemWrites = [
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:RestoreTableFromAwsBackup',
    ];
    for (const action of itemWrites) {
      expect(resourcesOf(restoreRole, action)).toEqual([
        JSON.stringify('arn:aws:dynamodb:*:111111111111:table/*-restore-*'),
      ]);
    }
    for (const action of ['s3:PutObject', 's3:DeleteObject']) {
      expect(resourcesOf(restoreRole, action)).toEqual([JSON.stringify('arn:aws:s3:::*-restore-*/*')]);
    }
    expect(resourcesOf(restoreRole, 's3:CreateBucket')).toEqual([JSON.stringify('arn:aws:s3:::*-restore-*')]);
  });

  it('uses KMS keys only through DynamoDB and S3, and grants only for AWS resources', () => {
    for (const s of [...backupRole, ...restoreRole]) {
      const crypto = list(s.Action).filter((a) => /^kms:(Decrypt|Encrypt|GenerateDataKey|ReEncrypt)/.test(a));
      if (crypto.length) expect(JSON.stringify(s.Condition)).toMatch(/kms:ViaService/);
      if (list(s.Action).includes('kms:CreateGrant')) {
        expect(s.Condition).toEqual({ Bool: { 'kms:GrantIsForAWSResource': 'true' } });
      }
    }
  });

  it('passes the selections the backup role, never the restore role', () => {
    const selections = Object.values(template.findResources('AWS::Backup::BackupSelection'));
    expect(selections).toHaveLength(2);
    const roleId = (template.findResources('AWS::IAM::Role') &&
      Object.keys(template.findResources('AWS::IAM::Role')).find((id) =>
        id.startsWith('BackupRole'),
      )) as string;
    for (const sel of selections) {
      expect(sel.Properties.BackupSelection.IamRoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    }
    expect(b.restoreRole.node.path).toBe('TestStack/Backup/RestoreRole');
  });

  it('acknowledges each IAM wildcard exactly, so every pack passes with no blanket acknowledgement', () => {
    const stack = b.role.stack;
    for (const pack of [
      new AwsSolutionsChecks(),
      new NIST80053R5Checks(),
      new HIPAASecurityChecks(),
      new PCIDSS321Checks(),
    ]) {
      const findings = pack
        .validateScope(stack)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`))
        .filter((f) => f.includes('/Backup/'));
      expect(findings).toEqual([]);
    }
    const acknowledged = b.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
      .flatMap((m) => Object.keys(m.data as object));
    expect(acknowledged).toContain(
      'Annotation::AwsSolutions-IAM5[Resource::arn:aws:dynamodb:eu-west-3:111111111111:table/Svc-prod-*]',
    );
    // Resource "*" is acknowledged, but only actions without resource-level permissions use it.
    const unscopable = [
      'events:ListRules',
      'cloudwatch:GetMetricData',
      's3:ListAllMyBuckets',
      'tag:GetResources',
      'kms:DescribeKey',
    ];
    for (const s of [...backupRole, ...restoreRole].filter((st) => list(st.Resource).includes('*'))) {
      expect(list(s.Action).filter((a) => !unscopable.includes(a))).toEqual([]);
    }
  });

  it('rejects a restore target that matches live resources, and malformed names', () => {
    expect(() => build({ restoreTargets: { tableNames: ['*'], bucketNames: ['x-restore-*'] } })).toThrow(
      /restoreTargets.tableNames contains "\*", which matches the live resources.*Fix:/,
    );
    expect(() =>
      build({
        protectedResources: { tableNames: ['arn:aws:dynamodb:eu-west-3:1:table/x'], bucketNames: [] },
      }),
    ).toThrow(
      /protectedResources.tableNames contains "arn:aws:dynamodb.*not an ARN.*protectedResources.bucketNames is empty/,
    );
  });
});

describe('CrossRegionBackup vault key', () => {
  const { template } = build({ breakGlassRoleName: 'Incident-BreakGlass' });
  const [key] = Object.values(template.findResources('AWS::KMS::Key'));
  const statements = key.Properties.KeyPolicy.Statement as Statement[];

  it('is usable only through AWS Backup in this Region', () => {
    const use = statements.find((s) => s.Sid === 'KeyUseThroughServices');
    expect(use?.Condition).toEqual({
      StringEquals: {
        'kms:CallerAccount': '111111111111',
        'kms:ViaService': ['backup.eu-west-3.amazonaws.com'],
      },
    });
  });

  it('denies scheduling deletion and disabling to everyone but the break-glass role', () => {
    expect(statements.find((s) => s.Sid === 'DenyKeyDestructionExceptBreakGlass')).toEqual({
      Sid: 'DenyKeyDestructionExceptBreakGlass',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['kms:DisableKey', 'kms:ScheduleKeyDeletion'],
      Resource: '*',
      Condition: {
        ArnNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/Incident-BreakGlass' },
      },
    });
  });
});

describe('OffsiteBackupVault', () => {
  it('locks a named vault and adds the air-gapped vault only when asked', () => {
    const stack = testStack('eu-west-1');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new OffsiteBackupVault(stack, 'Plain', { vaultName: 'Svc-Offsite', encryptionKey: key, lock });
    new OffsiteBackupVault(stack, 'WithAirGap', {
      vaultName: 'Svc-Other',
      encryptionKey: key,
      lock,
      airGapped: true,
    });
    const t = Template.fromStack(stack);
    t.hasResource('AWS::Backup::BackupVault', {
      Properties: {
        BackupVaultName: 'Svc-Offsite',
        LockConfiguration: Match.objectLike({ MinRetentionDays: 7 }),
      },
      DeletionPolicy: 'Retain',
    });
    t.resourceCountIs('AWS::Backup::LogicallyAirGappedBackupVault', 1);
    t.hasResourceProperties('AWS::Backup::LogicallyAirGappedBackupVault', {
      BackupVaultName: 'Svc-Other-AirGapped',
      MinRetentionDays: 7,
      MaxRetentionDays: 400,
    });
  });

  it('builds the vault ARN of another Region without a cross-Region reference', () => {
    const stack = testStack('eu-west-3');
    expect(stack.resolve(OffsiteBackupVault.vaultArn(stack, 'eu-west-1', 'Svc-Offsite'))).toBe(OFFSITE);
  });
});
