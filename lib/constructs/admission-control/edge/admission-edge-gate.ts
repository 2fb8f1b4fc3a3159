import { CustomResource, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { EDGE_REGION } from '../../../aws-facts';
import { acknowledge } from '../../../compliance/acknowledge';
import { lambdaEntry } from '../../../lambda-entry';
import { DataKey } from '../../data-key/data-key';
import { InvocationKind, RempartFunction } from '../../rempart-function/rempart-function';
import {
  ADMISSION_ID_PATTERN,
  ADMISSION_KIDS,
  FAILURE_POLICIES,
  PATH_CLASS_PATTERN,
  type AdmissionKid,
  type FailurePolicy,
} from '../contract';
import {
  SIGNING_KEY_LENGTH,
  admissionStoreEntries,
  gateCodeProblems,
  renderAdmissionGateCode,
  storeEntriesProblems,
} from './admission-gate-code';

/**
 * Paths the gate admits only with a valid admission cookie, and what they do when the gate cannot
 * decide. Path classes group patterns so that an operator can open or close them together.
 */
export interface AdmissionProtectedPath {
  /**
   * CloudFront path pattern ("*" any characters, "?" one), e.g. "/api/bookings*". Checked in order,
   * the first match decides. The waiting page and the admission endpoints are never gated, even
   * under "/*".
   */
  readonly pathPattern: string;
  /** Short name ([a-z0-9-]); the operator override of these paths lives at `adm:mode:<pathClass>`. */
  readonly pathClass: string;
  /**
   * What these paths do when the KeyValueStore cannot be read, or when the alarm-driven fail-open
   * switch is on: `open` lets everyone through (right for queued writes: failing open means a
   * backlog, not a collapse), `closed` sends everyone to the waiting page.
   * @default 'open'
   */
  readonly onFailure?: FailurePolicy;
}

/** A Region where the application reads the signing keys (to issue cookies), with its KMS key there. */
export interface SigningKeyReplica {
  /** The Region, e.g. "eu-west-3"; not the gate's own, where the secrets already live. */
  readonly region: string;
  /** Customer-managed key in `region` that encrypts the replica. */
  readonly encryptionKey: kms.IKey;
}

/**
 * Props of `AdmissionEdgeGate`. The event id and the current key slot must match the origin half
 * (`AdmissionControl`); `admissionEdgeGatePropsProblems` checks the rest at synth or at
 * configuration load.
 */
export interface AdmissionEdgeGateProps {
  /** Paths behind the gate (booking writes and booking pages). At least one. */
  readonly protectedPaths: readonly AdmissionProtectedPath[];
  /** Event being admitted (1-64 of [A-Za-z0-9_-]); cookies issued for another event are refused. */
  readonly eventId: string;
  /**
   * Key slot the origin signs new cookies with. The edge accepts both slots, so switching is a
   * rotation without logging anyone out.
   * @default 'a'
   */
  readonly currentKid?: AdmissionKid;
  /**
   * Bump after putting new key material into a slot's secret, so that the deployment copies it into
   * the store (the keys themselves never appear in the template).
   * @default 1
   */
  readonly signingKeyGeneration?: number;
  /**
   * Application Regions that issue cookies: each gets a replica of both signing-key secrets,
   * encrypted with its own customer-managed key.
   * @default - no replica: only code in this stack's Region can read the keys
   */
  readonly signingKeyReplicas?: readonly SigningKeyReplica[];
  /**
   * Secrets Manager name prefix; the secrets are `<prefix>/signing-key-a` and `-b`, the same name in
   * every replica Region.
   * @default - "rempart/admission/" followed by a name unique to this construct
   */
  readonly secretNamePrefix?: string;
  /** Retry-After (seconds) of the 429 answered to refused writes. @default 10 */
  readonly retryAfterSeconds?: number;
  /** Key of the store-sync function's log group. @default - a new customer-managed key with rotation */
  readonly logEncryptionKey?: kms.IKey;
}

/** Every problem with the props, for the configuration schema to reuse. Tokens are not checked. */
export function admissionEdgeGatePropsProblems(
  props: AdmissionEdgeGateProps,
  stackRegion?: string,
): string[] {
  const problems: string[] = [];
  if (props.protectedPaths.length === 0) {
    problems.push('protectedPaths is empty. Fix: list the booking pages and booking writes to gate');
  }
  const seenPatterns = new Set<string>();
  props.protectedPaths.forEach((p, i) => {
    const where = `protectedPaths[${i}]`;
    if (!/^\/[A-Za-z0-9_\-./*?~&=%+]*$/.test(p.pathPattern) || p.pathPattern.length > 255) {
      problems.push(
        `${where}.pathPattern is "${p.pathPattern}". Fix: use a CloudFront path pattern starting with "/", e.g. "/api/bookings*"`,
      );
    }
    if (seenPatterns.has(p.pathPattern))
      problems.push(`${where}.pathPattern "${p.pathPattern}" is listed twice. Fix: keep one`);
    seenPatterns.add(p.pathPattern);
    if (!PATH_CLASS_PATTERN.test(p.pathClass)) {
      problems.push(
        `${where}.pathClass is "${p.pathClass}". Fix: use 1-32 of [a-z0-9-], starting with a letter`,
      );
    }
    if (p.onFailure !== undefined && !(FAILURE_POLICIES as readonly string[]).includes(p.onFailure)) {
      problems.push(`${where}.onFailure is "${String(p.onFailure)}". Fix: use "open" or "closed"`);
    }
  });
  // One class, one failure policy: the operator override is per class.
  const policies = new Map<string, string>();
  for (const p of props.protectedPaths) {
    const policy = p.onFailure ?? 'open';
    const known = policies.get(p.pathClass);
    if (known !== undefined && known !== policy) {
      problems.push(
        `pathClass "${p.pathClass}" is both fail-open and fail-closed. Fix: give its paths one onFailure`,
      );
    }
    policies.set(p.pathClass, policy);
  }
  if (!Token.isUnresolved(props.eventId) && !ADMISSION_ID_PATTERN.test(props.eventId)) {
    problems.push(`eventId is "${props.eventId}". Fix: use 1-64 of [A-Za-z0-9_-]`);
  }
  if (props.currentKid !== undefined && !(ADMISSION_KIDS as readonly string[]).includes(props.currentKid)) {
    problems.push(`currentKid is "${String(props.currentKid)}". Fix: use ${ADMISSION_KIDS.join(' or ')}`);
  }
  const generation = props.signingKeyGeneration;
  if (
    generation !== undefined &&
    !Token.isUnresolved(generation) &&
    !(Number.isInteger(generation) && generation >= 1)
  ) {
    problems.push(
      `signingKeyGeneration is ${generation}. Fix: use a whole number of at least 1, and bump it after each key change`,
    );
  }
  const retryAfter = props.retryAfterSeconds;
  if (retryAfter !== undefined && !(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600)) {
    problems.push(`retryAfterSeconds is ${retryAfter}. Fix: use whole seconds from 1 to 3600`);
  }
  const regions = new Set<string>();
  for (const replica of props.signingKeyReplicas ?? []) {
    if (Token.isUnresolved(replica.region)) continue;
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(replica.region)) {
      problems.push(
        `signingKeyReplicas region "${replica.region}" is not a Region name. Fix: e.g. "eu-west-3"`,
      );
    }
    if (replica.region === stackRegion) {
      problems.push(
        `signingKeyReplicas lists ${replica.region}, where the secrets already live. Fix: remove it`,
      );
    }
    if (regions.has(replica.region))
      problems.push(`signingKeyReplicas lists ${replica.region} twice. Fix: keep one`);
    regions.add(replica.region);
  }
  const prefix = props.secretNamePrefix;
  if (prefix !== undefined && !Token.isUnresolved(prefix) && !/^[A-Za-z0-9/_+=.@-]{1,400}$/.test(prefix)) {
    problems.push(`secretNamePrefix is "${prefix}". Fix: use letters, digits and /_+=.@-`);
  }
  return problems;
}

/**
 * The edge half of the waiting room: a `cloudfront-js-2.0` viewer-request function that admits a
 * request on a protected path only with a valid admission cookie (HMAC-SHA256, two key slots, expiry,
 * event, constant-time compare), reading keys and switches from a KeyValueStore, and sending everyone
 * else to the waiting page. The signing keys are generated by Secrets Manager (customer-managed key,
 * replicated to the application Regions) and copied into the store at deploy time by a custom
 * resource: they never appear in a template. Code size and store layout are checked at synth against
 * CloudFront's limits.
 *
 * Associate `function` with the protected behaviours (viewer request); give the origin's cookie issuer
 * read access to the replicas of `signingKeys`, and the fail-open switch `grantSwitch`.
 */
export class AdmissionEdgeGate extends Construct {
  /** The viewer-request function: associate it with every behaviour of `protectedPaths`. */
  public readonly function: cloudfront.Function;
  /** Signing keys, event id, fail-open switch and per-class modes, read by `function` on each request. */
  public readonly keyValueStore: cloudfront.KeyValueStore;
  /** The protected paths, with `onFailure` resolved. */
  public readonly protectedPaths: readonly Required<AdmissionProtectedPath>[];
  /** The event admitted (cookies for another event are refused); the origin half must use the same. */
  public readonly eventId: string;
  /** The slot the origin half must sign with (`AdmissionSigningKey.kid`). */
  public readonly currentKid: AdmissionKid;
  /** Both slots' secrets (this Region); replicas carry the same names in `signingKeyReplicas` Regions. */
  public readonly signingKeys: Readonly<Record<AdmissionKid, secretsmanager.Secret>>;
  /** Names of `signingKeys`: the origin half imports its Region's replica by name, with no cross-stack reference. */
  public readonly signingKeySecretNames: Readonly<Record<AdmissionKid, string>>;
  /** Key that encrypts the secrets in this Region (grant decrypt with the secret read). */
  public readonly encryptionKey: kms.IKey;
  /** Bytes of the deployed function code, checked against the 10 KB limit. */
  public readonly codeBytes: number;

  constructor(scope: Construct, id: string, props: AdmissionEdgeGateProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    const problems = admissionEdgeGatePropsProblems(props, region);
    if (!Token.isUnresolved(region) && region !== EDGE_REGION) {
      problems.push(
        `the stack is in ${region}. Fix: create AdmissionEdgeGate in the ${EDGE_REGION} stack of the distribution; CloudFront reads functions and key value stores from there`,
      );
    }
    this.protectedPaths = props.protectedPaths.map((p) => ({ ...p, onFailure: p.onFailure ?? 'open' }));
    const code = renderAdmissionGateCode({
      paths: this.protectedPaths,
      retryAfterSeconds: props.retryAfterSeconds ?? 10,
    });
    const pathClasses = [...new Set(this.protectedPaths.map((p) => p.pathClass))];
    problems.push(
      ...gateCodeProblems(code),
      ...storeEntriesProblems(
        admissionStoreEntries(
          Token.isUnresolved(props.eventId) ? 'x'.repeat(64) : props.eventId,
          pathClasses,
        ),
      ),
    );
    if (problems.length) throw new Error(`AdmissionEdgeGate ${this.node.path}: ${problems.join('; ')}`);
    this.codeBytes = Buffer.byteLength(code, 'utf8');
    this.eventId = props.eventId;
    this.currentKid = props.currentKid ?? 'a';

    this.keyValueStore = new cloudfront.KeyValueStore(this, 'Store', {
      comment: 'Rempart admission: signing keys, event, fail-open switch, per-path modes',
    });
    this.function = new cloudfront.Function(this, 'Resource', {
      comment: 'Rempart admission gate: signed cookie or the waiting page',
      code: cloudfront.FunctionCode.fromInline(code),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      keyValueStore: this.keyValueStore,
      autoPublish: true,
    });

    this.encryptionKey = new DataKey(this, 'SigningKeysKey', {
      description: 'Rempart admission signing keys',
    }).key;
    const prefix =
      props.secretNamePrefix ??
      `rempart/admission/${Names.uniqueResourceName(this, { maxLength: 48, separator: '-' })}`;
    const secrets = {} as Record<AdmissionKid, secretsmanager.Secret>;
    const names = {} as Record<AdmissionKid, string>;
    for (const kid of ADMISSION_KIDS) {
      names[kid] = `${prefix}/signing-key-${kid}`;
      secrets[kid] = new secretsmanager.Secret(this, `SigningKey${kid.toUpperCase()}`, {
        secretName: names[kid],
        description: `Admission cookie HMAC key, slot ${kid}: copied into the edge KeyValueStore at deploy, read by the cookie issuer`,
        encryptionKey: this.encryptionKey,
        // Generated by Secrets Manager: the value exists only in the secret and, after deploy, the store.
        generateSecretString: {
          passwordLength: SIGNING_KEY_LENGTH,
          excludePunctuation: true,
          includeSpace: false,
        },
        replicaRegions: (props.signingKeyReplicas ?? []).map((r) => ({
          region: r.region,
          encryptionKey: r.encryptionKey,
        })),
      });
      acknowledge(
        secrets[kid],
        ...[
          'AwsSolutions-SMG4',
          'NIST.800.53.R5-SecretsManagerRotationEnabled',
          'HIPAA.Security-SecretsManagerRotationEnabled',
        ].map((findingId) => ({
          id: findingId,
          reason:
            'One of two HMAC key slots for admission cookies. Rotation is the two-slot procedure of docs/waiting-room.md (new value in the idle slot, bump signingKeyGeneration, switch currentKid): a Secrets Manager rotation would change a key behind the edge store and the cookie issuers, refusing every admitted person at once.',
        })),
      );
    }
    this.signingKeys = secrets;
    this.signingKeySecretNames = names;

    const sync = new RempartFunction(this, 'StoreSync', {
      entry: lambdaEntry('admission-edge/store-sync'),
      description:
        'Copies the admission signing keys and settings into the edge KeyValueStore (custom resource)',
      invocation: InvocationKind.CUSTOM_RESOURCE,
      reservedConcurrentExecutions: 1,
      memorySize: 256,
      timeout: Duration.seconds(60),
      logEncryptionKey: props.logEncryptionKey,
      // The runtime's SDK may lack the KeyValueStore client and the SigV4A signer it needs.
      bundleAwsSdk: true,
    });
    for (const kid of ADMISSION_KIDS) secrets[kid].grantRead(sync.role);
    this.grantStoreActions(sync.role, [
      'cloudfront-keyvaluestore:DescribeKeyValueStore',
      'cloudfront-keyvaluestore:GetKey',
      'cloudfront-keyvaluestore:UpdateKeys',
    ]);

    const contents = new CustomResource(this, 'StoreContents', {
      serviceToken: sync.function.functionArn,
      resourceType: 'Custom::RempartAdmissionStore',
      properties: {
        KvsArn: this.keyValueStore.keyValueStoreArn,
        // ARNs only: the handler reads the values itself.
        SigningKeySecretArns: Object.fromEntries(ADMISSION_KIDS.map((kid) => [kid, secrets[kid].secretArn])),
        CurrentKid: this.currentKid,
        EventId: props.eventId,
        PathClasses: pathClasses,
        Generation: String(props.signingKeyGeneration ?? 1),
      },
    });
    contents.node.addDependency(sync.role);
    // The function must never run against an empty store (every read would fail and apply onFailure).
    this.function.node.addDependency(contents);
  }

  /**
   * Lets `grantee` (the alarm-driven fail-open switch, an operator role) read and change the store:
   * `adm:failopen` and `adm:mode:<pathClass>` (see ../contract.ts).
   */
  public grantSwitch(grantee: iam.IGrantable): iam.Grant {
    return this.grantStoreActions(grantee, [
      'cloudfront-keyvaluestore:DescribeKeyValueStore',
      'cloudfront-keyvaluestore:GetKey',
      'cloudfront-keyvaluestore:PutKey',
      'cloudfront-keyvaluestore:UpdateKeys',
    ]);
  }

  private grantStoreActions(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [this.keyValueStore.keyValueStoreArn],
    });
  }
}
