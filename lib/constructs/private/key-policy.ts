import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * Key policies that keep administration and use apart (AWS KMS, "Default key policy" and "Key
 * policies for AWS services"):
 *
 * - The account (root) gets the administrative actions only. That is what AWS requires for a key
 *   to stay manageable: IAM administrators, and the CloudFormation role that must pass the key
 *   policy lockout safety check, can always read and replace the policy. It is not `kms:*`: an
 *   administrator cannot encrypt, decrypt or create grants unless a use statement allows it.
 * - Use is allowed to principals of this account only through the AWS services that store data
 *   with the key (`kms:ViaService` + `kms:CallerAccount`, as AWS's own service keys do): a role that
 *   holds kms:Decrypt in IAM still cannot decrypt a ciphertext it took out of DynamoDB or S3.
 * - Grants: created only through those services and only for AWS resources; every other CreateGrant
 *   is denied (Control Tower CT.KMS.PR.3), so nobody hands out a lasting decrypt right.
 * - Optionally, a deletion guard: scheduling deletion or disabling the key is denied to everyone
 *   but one break-glass role (keys of locked backup vaults: losing the key loses the backups).
 */

/** Administrative actions, named one by one (no `kms:Create*`, which would include CreateGrant). */
export const KEY_ADMIN_ACTIONS = [
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:UpdateKeyDescription',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:RevokeGrant',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
] as const;

/** Cryptographic use of a symmetric data key by a service on a caller's behalf. */
export const KEY_USE_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:DescribeKey',
] as const;

/** Actions that destroy access to everything the key protects. */
export const KEY_DESTRUCTIVE_ACTIONS = ['kms:ScheduleKeyDeletion', 'kms:DisableKey'] as const;

/** AWS services that store data with a Rempart key, by their endpoint prefix. */
export const KEY_SERVICES = ['dynamodb', 's3', 'sqs', 'sns', 'secretsmanager', 'backup'] as const;
/**
 * One of `KEY_SERVICES`: a service through which principals of the account may use a `DataKey`
 * (`kms:ViaService`). Limited to services that store data at rest with the key.
 */
export type KeyService = (typeof KEY_SERVICES)[number];

export interface HardenedKeyPolicyOptions {
  /** Services through which principals of this account may use the key; none for a service-only key. */
  readonly services: readonly KeyService[];
  /** Role name that alone may schedule deletion of, or disable, the key. @default - no guard */
  readonly breakGlassRoleName?: string;
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** Problems with the options, each naming the prop, the value and the fix. */
export function hardenedKeyPolicyProblems(options: HardenedKeyPolicyOptions): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const s of options.services) {
    if (!(KEY_SERVICES as readonly string[]).includes(s)) {
      problems.push(`services contains "${s}". Fix: use some of ${KEY_SERVICES.join(', ')}`);
    } else if (seen.has(s)) {
      problems.push(`services lists "${s}" twice. Fix: list each service once`);
    }
    seen.add(s);
  }
  const name = options.breakGlassRoleName;
  if (name !== undefined && !ROLE_NAME.test(name)) {
    problems.push(
      `breakGlassRoleName is "${name}". Fix: give an IAM role name (1 to 64 letters, digits or +=,.@_-), without path or ARN`,
    );
  }
  return problems;
}

/** The key policy document for a key in `scope`'s stack. */
export function hardenedKeyPolicy(scope: Construct, options: HardenedKeyPolicyOptions): iam.PolicyDocument {
  const stack = Stack.of(scope);
  const account = new iam.AccountRootPrincipal();
  const viaServices = options.services.map((s) => `${s}.${stack.region}.amazonaws.com`);
  const statements = [
    new iam.PolicyStatement({
      sid: 'KeyAdministration',
      principals: [account],
      actions: [...KEY_ADMIN_ACTIONS],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'DenyGrantsExceptForAwsResources',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
      },
    }),
  ];
  if (viaServices.length > 0) {
    const throughServices = {
      StringEquals: { 'kms:CallerAccount': stack.account, 'kms:ViaService': viaServices },
    };
    statements.push(
      new iam.PolicyStatement({
        sid: 'KeyUseThroughServices',
        principals: [account],
        actions: [...KEY_USE_ACTIONS],
        resources: ['*'],
        conditions: throughServices,
      }),
      new iam.PolicyStatement({
        sid: 'GrantsForAwsResourcesThroughServices',
        principals: [account],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { ...throughServices, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );
  }
  if (options.services.includes('dynamodb')) {
    // AWS's DynamoDB key policy example: DynamoDB reads the key's metadata and policy to report an
    // inaccessible key on the table. Metadata only; no data can be encrypted or decrypted with these.
    statements.push(
      new iam.PolicyStatement({
        sid: 'DynamoDBReadsKeyMetadata',
        principals: [new iam.ServicePrincipal('dynamodb.amazonaws.com')],
        actions: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:ListGrants'],
        resources: ['*'],
      }),
    );
  }
  if (options.breakGlassRoleName !== undefined) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'DenyKeyDestructionExceptBreakGlass',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...KEY_DESTRUCTIVE_ACTIONS],
        resources: ['*'],
        conditions: {
          ArnNotEquals: {
            'aws:PrincipalArn': `arn:${stack.partition}:iam::${stack.account}:role/${options.breakGlassRoleName}`,
          },
        },
      }),
    );
  }
  return new iam.PolicyDocument({ statements });
}
