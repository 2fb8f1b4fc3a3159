/**
 * Reads a synthesized KMS key policy (CloudFormation JSON) and says where it breaks Rempart's key
 * rules (lib/constructs/private/key-policy.ts): administration apart from use, use only through AWS
 * services or by service principals bound to their source, no grants except for AWS resources.
 * Pure: tests and reports run it on every `AWS::KMS::Key` of the synthesized templates.
 */

interface Statement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Action?: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Actions that read or produce data protected by the key (or hand that right out). */
const USE =
  /^kms:(\*|Encrypt\*?|Decrypt\*?|ReEncrypt.*|GenerateDataKey.*|CreateGrant|Sign|Verify|GenerateMac|VerifyMac)$/;
const SOURCE_KEYS = /^(aws:SourceArn|aws:SourceAccount|aws:SourceOrgID|kms:EncryptionContext:.+)$/i;

function statementsOf(policy: unknown): Statement[] {
  const statements = (policy as { Statement?: unknown } | undefined)?.Statement;
  return Array.isArray(statements) ? (statements as Statement[]) : [];
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const conditionKeys = (s: Statement) =>
  Object.values(s.Condition ?? {}).flatMap((block) => Object.keys(block));

function principals(s: Statement): { aws: unknown[]; service: unknown[]; any: boolean } {
  const p = s.Principal;
  if (p === '*') return { aws: [], service: [], any: true };
  const o = (p ?? {}) as { AWS?: unknown; Service?: unknown };
  const aws = list(o.AWS as unknown[]);
  return { aws, service: list(o.Service as unknown[]), any: aws.includes('*') };
}

/** Problems of one key policy, each naming the statement and the fix. Empty when it complies. */
export function keyPolicyProblems(policy: unknown): string[] {
  const statements = statementsOf(policy);
  const problems: string[] = [];
  const name = (s: Statement, i: number) => `statement ${s.Sid ?? `#${i}`}`;

  statements.forEach((s, i) => {
    if (s.Effect !== 'Allow') return;
    const actions = list(s.Action);
    const use = actions.filter((a) => USE.test(a));
    const who = principals(s);
    const keys = conditionKeys(s);
    if (actions.some((a) => a === '*' || a === 'kms:*')) {
      problems.push(
        `${name(s, i)} allows kms:* . Fix: give the account the administrative actions only and allow use through services`,
      );
      return;
    }
    if (use.length === 0) return;
    if (
      who.any &&
      !keys.some((k) => /^(kms:CallerAccount|aws:PrincipalAccount|aws:PrincipalOrgID)$/i.test(k))
    ) {
      problems.push(
        `${name(s, i)} lets any principal use the key. Fix: restrict it to the account (kms:CallerAccount)`,
      );
    }
    if (who.aws.length > 0 && !keys.some((k) => /^kms:ViaService$/i.test(k))) {
      problems.push(
        `${name(s, i)} lets IAM principals call ${use.join(', ')} directly. Fix: require kms:ViaService (use only through the services that store the data)`,
      );
    }
    if (who.service.length > 0 && !keys.some((k) => SOURCE_KEYS.test(k))) {
      problems.push(
        `${name(s, i)} lets ${who.service.map(String).join(', ')} use the key for anyone. Fix: bind it to this account's resources (aws:SourceArn or aws:SourceAccount)`,
      );
    }
  });

  const grantGuard = statements.some(
    (s) =>
      s.Effect === 'Deny' &&
      list(s.Action).includes('kms:CreateGrant') &&
      principals(s).any &&
      JSON.stringify(s.Condition?.BoolIfExists ?? {}) ===
        JSON.stringify({ 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' }),
  );
  if (!grantGuard) {
    problems.push(
      'no statement denies grants that are not for AWS resources (Control Tower CT.KMS.PR.3). Fix: build the policy with hardenedKeyPolicy()',
    );
  }
  return problems;
}

/** True when only `breakGlassRoleArn` (as synthesized) may schedule the key's deletion or disable it. */
export function reservesDestructionTo(policy: unknown, breakGlassRoleArn: unknown): boolean {
  const actions = ['kms:ScheduleKeyDeletion', 'kms:DisableKey'];
  return statementsOf(policy).some(
    (s) =>
      s.Effect === 'Deny' &&
      principals(s).any &&
      actions.every((a) => list(s.Action).includes(a)) &&
      Object.keys(s.Condition ?? {}).length === 1 &&
      JSON.stringify(s.Condition?.ArnNotEquals?.['aws:PrincipalArn']) === JSON.stringify(breakGlassRoleArn),
  );
}
