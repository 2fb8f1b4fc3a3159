/**
 * One table, one place: each Rempart control (a decision an auditor reads once) and the rule ids
 * that every pack Rempart runs uses for the same check. `acknowledge()` expands a control id, or any
 * rule id listed here, to all of its equivalents, so that switching a pack on (PCI DSS, Control
 * Tower) needs no new acknowledgement where the decision was already written down.
 *
 * Rule ids are spelled as each pack reports them:
 * - cdk-nag packs: `<Pack>-<Rule>` (`AwsSolutions-S1`, `NIST.800.53.R5-S3BucketLoggingEnabled`,
 *   `HIPAA.Security-…`, `PCI.DSS.321-…`, `Serverless-…`, `RempartResilience-…`), granular findings
 *   with their `[finding]` suffix; `{finding}` stands for the suffix the caller gives.
 * - AWS Control Tower proactive controls (cfn-guard): `cdk-validator-cfnguard::<guard rule name>`,
 *   the CDK validation namespace of the plugin and the rule name it reports (CT.<SERVICE>.PR.<n>).
 *
 * An id belongs to at most one control (a test checks it), and every id exists in the installed
 * pack versions (a test checks that too), so a renamed rule cannot silently stop matching.
 */
export interface ComplianceControl {
  /** The decision, in one sentence an auditor can check against the templates. */
  readonly title: string;
  /** Equivalent rule ids across packs. */
  readonly ids: readonly string[];
}

/** Namespace under which aws-cdk-lib reports, and acknowledges, the Control Tower cfn-guard rules. */
export const CONTROL_TOWER_NAMESPACE = 'cdk-validator-cfnguard';

const ct = (guardRule: string) => `${CONTROL_TOWER_NAMESPACE}::${guardRule}`;
const nhp = (rule: string) => [`NIST.800.53.R5-${rule}`, `HIPAA.Security-${rule}`, `PCI.DSS.321-${rule}`];

/**
 * The controls by id, each with its decision and the equivalent rule ids of every pack (the table
 * {@link ComplianceControl} describes). Add a control here rather than acknowledging each pack's rule.
 */
export const CONTROLS = {
  'lambda-outside-vpc': {
    title:
      'A function that reaches only AWS APIs and public identity-provider keys, over TLS, runs outside a VPC.',
    ids: [...nhp('LambdaInsideVPC'), ct('lambda_inside_vpc_check')],
  },
  'lambda-failures-handled-by-caller': {
    title: 'A function invoked synchronously or by an event source mapping has no asynchronous DLQ.',
    ids: ['NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ', 'Serverless-LambdaDLQ'],
  },
  'lambda-event-source-failures-in-queue-dlq': {
    title: 'Failed batches of an SQS event source mapping go to the queue dead-letter queue.',
    ids: ['Serverless-LambdaEventSourceMappingDestination'],
  },
  'iam-inline-policy-per-role': {
    title: "A role's generated least-privilege policy is attached to that role only.",
    ids: nhp('IAMNoInlinePolicy'),
  },
  'iam-wildcard-justified': {
    title: 'A wildcard in an IAM statement is one AWS gives no narrower form for, named exactly.',
    ids: ['AwsSolutions-IAM5[{finding}]'],
  },
  'iam-aws-managed-policy': {
    title: 'An AWS managed policy that AWS maintains for a service role, named exactly.',
    ids: ['AwsSolutions-IAM4[{finding}]'],
  },
  's3-not-replicated': {
    title: 'A bucket whose content is not needed in the other Region is not replicated.',
    ids: nhp('S3BucketReplicationEnabled'),
  },
  'cloudfront-dynamic-app-root': {
    title:
      'A distribution whose default route is a dynamic application serves "/" from that application, not a root object.',
    ids: [ct('cloudfront_default_root_object_configured_check')],
  },
  's3-sse-s3-encryption': {
    title: 'A bucket encrypted with SSE-S3 because the delivering service accepts nothing else.',
    ids: [...nhp('S3DefaultEncryptionKMS'), ct('s3_bucket_default_encryption_kms_check')],
  },
  's3-no-server-access-logs': {
    title: 'A bucket without server access logs (log destination itself, or no reader access).',
    ids: ['AwsSolutions-S1', ...nhp('S3BucketLoggingEnabled'), ct('s3_bucket_logging_enabled_check')],
  },
  'apigw-no-cache': {
    title: 'A REST API stage without the API Gateway cache (CloudFront caches reads).',
    ids: nhp('APIGWCacheEnabledAndEncrypted'),
  },
  'apigw-no-client-certificate': {
    title: 'A REST API stage without a client certificate (the origin secret proves the caller).',
    ids: nhp('APIGWSSLEnabled'),
  },
  'apigw-no-authorizer': {
    title: 'A public API method without an IAM or Cognito authorizer.',
    ids: ['AwsSolutions-APIG4', 'AwsSolutions-COG4'],
  },
  'vpc-nat-route-to-igw': {
    title: 'The default route of NAT-only subnets leads to the internet gateway.',
    ids: nhp('VPCNoUnrestrictedRouteToIGW'),
  },
  'alb-behind-cloudfront-waf': {
    title:
      'A load balancer reachable only through CloudFront (internal, or internet-facing with the CloudFront prefix list and origin secret) and its web ACL.',
    ids: ['NIST.800.53.R5-ALBWAFEnabled', 'PCI.DSS.321-ALBWAFEnabled'],
  },
  'alarm-without-action': {
    title: 'An alarm read by another alarm or a health check, with no action of its own.',
    ids: [
      'NIST.800.53.R5-CloudWatchAlarmAction',
      'HIPAA.Security-CloudWatchAlarmAction',
      ct('cloudwatch_alarm_action_check'),
    ],
  },
  'secret-rotated-by-procedure': {
    title: 'A secret shared by several consumers, rotated by a documented two-value procedure.',
    ids: [
      'AwsSolutions-SMG4',
      'NIST.800.53.R5-SecretsManagerRotationEnabled',
      'HIPAA.Security-SecretsManagerRotationEnabled',
    ],
  },
  'sqs-terminal-dead-letter-queue': {
    title: 'A dead-letter queue has no dead-letter queue of its own; operators redrive it.',
    ids: ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy', ct('sqs_dlq_check')],
  },
  'sns-email-subscription': {
    title: 'An e-mail subscription without a redrive queue (nobody would read it).',
    ids: ['Serverless-SNSRedrivePolicy'],
  },
  'cloudfront-logs-to-cloudwatch': {
    title: 'Distribution access logs are delivered to CloudWatch Logs (v2), not the legacy S3 log.',
    ids: ['AwsSolutions-CFR3', ct('cloudfront_access_logs_enabled_check')],
  },
  'cloudfront-no-geo-restriction': {
    title: 'A public service open to every country (residents travel; the EEA rule is on data).',
    ids: ['AwsSolutions-CFR1'],
  },
  'waf-origin-verification-only': {
    title: 'A regional web ACL that only checks the origin secret; the edge ACL rate-limits.',
    ids: ['RempartResilience-WAFRateLimit'],
  },
} as const satisfies Record<string, ComplianceControl>;

/**
 * The name of a Rempart control (`lambda-outside-vpc`, `iam-wildcard-justified`, …): what
 * `acknowledge()` accepts in place of a finding id, optionally with a `[finding]` suffix.
 */
export type ControlId = keyof typeof CONTROLS;

/** `Pack-Rule`, `Pack-Rule[finding]` or `namespace::rule` (a validation plugin's rule). */
const RULE_ID = /^(?:[A-Za-z0-9.]+-[A-Za-z0-9.]+(?:\[[^\]]+\])?|[a-z0-9][a-z0-9-]*::[A-Za-z0-9_.-]+)$/;
/** A control id, optionally with the finding of a granular rule: `iam-wildcard-justified[Resource::*]`. */
const CONTROL_ID = /^([a-z][a-z0-9]*(?:-[a-z0-9]+)+)(?:\[([^\]]+)\])?$/;
const GRANULAR = /^(.*)\[([^\]]+)\]$/;

/** The control a rule id belongs to, if any (`AwsSolutions-IAM5[Resource::*]` → iam-wildcard-justified). */
export function controlOf(ruleId: string): ControlId | undefined {
  const granular = GRANULAR.exec(ruleId);
  for (const [control, { ids }] of Object.entries(CONTROLS) as [ControlId, ComplianceControl][]) {
    if (ids.includes(ruleId)) return control;
    if (granular && ids.includes(`${granular[1]}[{finding}]`)) return control;
  }
  return undefined;
}

/**
 * What acknowledging `id` acknowledges: every rule id of its control (the finding substituted into
 * granular ones), or the id alone when no control lists it. Throws with the fix for an id that is
 * neither a rule id nor a known control, and for a granular control used without its finding.
 */
export function expandAcknowledgedId(id: string): { control?: ControlId; ids: string[] } {
  const asControl = CONTROL_ID.exec(id);
  if (asControl && !id.split('[')[0].includes('::')) {
    const [, name, finding] = asControl;
    if (!(name in CONTROLS)) {
      throw new Error(
        `"${id}" is neither a finding id nor a Rempart control. Fix: copy the finding id from the report (e.g. "AwsSolutions-IAM5[Action::s3:*]") or use one of the controls of lib/compliance/controls.ts: ${Object.keys(CONTROLS).join(', ')}`,
      );
    }
    return { control: name as ControlId, ids: substitute(name as ControlId, finding) };
  }
  if (!RULE_ID.test(id)) {
    throw new Error(
      `"${id}" is not a finding id. Fix: copy it from the report, e.g. "AwsSolutions-IAM5[Action::s3:*]", "cdk-validator-cfnguard::sqs_dlq_check" or a control such as "lambda-outside-vpc"`,
    );
  }
  const control = controlOf(id);
  if (!control) return { ids: [id] };
  return { control, ids: substitute(control, GRANULAR.exec(id)?.[2]) };
}

function substitute(control: ControlId, finding: string | undefined): string[] {
  const ids: readonly string[] = CONTROLS[control].ids;
  const granular = ids.some((i) => i.includes('{finding}'));
  if (granular && finding === undefined) {
    throw new Error(
      `control "${control}" covers granular findings. Fix: name the finding, e.g. "${control}[Resource::*]"`,
    );
  }
  if (!granular && finding !== undefined) {
    throw new Error(`control "${control}" has no granular findings. Fix: drop "[${finding}]"`);
  }
  return ids.map((i) => i.replace('{finding}', finding ?? ''));
}
