import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import { flatten } from '../../compliance/resilience/private/cfn';
import { LogEncryptionKey } from '../log-encryption-key/log-encryption-key';
import { bundleHandler } from './bundle';

/**
 * How the function is invoked. It decides where failures go, and so whether a function-level
 * dead-letter queue would ever receive anything.
 */
export enum InvocationKind {
  /** Called and awaited (API Gateway, function URL): the caller receives the error. */
  SYNCHRONOUS = 'synchronous',
  /** Polled from SQS by an event source mapping: failures return to the queue and its DLQ. */
  QUEUE = 'queue',
  /**
   * CloudFormation custom resource provider: every outcome, failures included, is reported to CloudFormation.
   */
  CUSTOM_RESOURCE = 'custom-resource',
  /** Invoked by an EventBridge schedule: the next run supersedes a lost one. */
  SCHEDULED = 'scheduled',
}

const DLQ_REASONS: Record<InvocationKind, string> = {
  [InvocationKind.SYNCHRONOUS]:
    'Invoked only synchronously: the caller receives every error, so no asynchronous event exists to dead-letter.',
  [InvocationKind.QUEUE]:
    'Invoked only by an SQS event source mapping: failed records return to the source queue, whose redrive policy moves them to its dead-letter queue.',
  [InvocationKind.CUSTOM_RESOURCE]:
    'CloudFormation custom resource: the handler reports every failure to CloudFormation, which fails and rolls back the deployment; a dead-lettered event would never be replayed.',
  [InvocationKind.SCHEDULED]:
    'Invoked by an EventBridge schedule; a failed or dropped invocation is superseded by the next one, nothing to replay.',
};

/** Where AWS FIS writes the fault configuration of a function and its FIS extension reads it. */
export interface FaultConfigLocation {
  /** Bucket in the function's Region (FIS needs one per Region). */
  readonly bucket: s3.IBucket;
  /** Key prefix, e.g. "fis/lambda/"; a trailing "/" is added if missing. */
  readonly prefix: string;
}

/** What the AWS FIS Lambda extension needs on a function (see docs/runbooks/drill-function-fault.md). */
export interface FaultInjectionProps {
  /**
   * Layer version ARN of the AWS FIS Lambda extension, arm64 build, published by AWS in the
   * function's Region. Comes from configuration; never hard-code the AWS-owned account.
   */
  readonly extensionLayerArn: string;
  /** Where FIS writes this function's faults, e.g. `FaultConfigBucket.location`. */
  readonly configLocation: FaultConfigLocation;
}

/** Environment variables the FIS extension reads; set only through `faultInjection`. */
export const FIS_EXTENSION_ENVIRONMENT = {
  wrapper: 'AWS_LAMBDA_EXEC_WRAPPER',
  location: 'AWS_FIS_CONFIGURATION_LOCATION',
} as const;

/** Where the extension layer puts its wrapper script. */
export const FIS_EXTENSION_WRAPPER = '/opt/aws-fis/bootstrap';

/** Props of {@link RempartFunction}. */
export interface RempartFunctionProps {
  /** Path to the TypeScript handler file. */
  readonly entry: string;
  /** Exported handler name. @default "handler" */
  readonly handler?: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** How the function is invoked (decides the dead-letter story). */
  readonly invocation: InvocationKind;
  /**
   * Environment variables, e.g. table and queue names (never secrets: read those at run time).
   * @default - none besides POWERTOOLS_SERVICE_NAME
   */
  readonly environment?: Record<string, string>;
  /** Memory in MB. @default 512 MiB (memory is also CPU; 128 MiB makes cold starts slow) */
  readonly memorySize?: number;
  /**
   * Longest invocation; keep it short for synchronous callers, which wait for it.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * This function's share of the Region's concurrency, so that a surge on it cannot starve the
   * others. Required: every Rempart function declares it.
   */
  readonly reservedConcurrentExecutions: number;
  /** Retention of the function's log group. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Key of the function's log group; share the stack's. @default - a new LogEncryptionKey */
  readonly logEncryptionKey?: kms.IKey;
  /** Run inside this VPC (private subnets). @default - outside any VPC; see the acknowledgement */
  readonly vpc?: ec2.IVpc;
  /**
   * Make the function a target of AWS FIS Lambda actions (invocation errors, delays): adds the FIS
   * extension layer, its two environment variables and read access to the configuration location.
   * @default - no extension: FIS Lambda actions on this function fail at start
   */
  readonly faultInjection?: FaultInjectionProps;
  /**
   * Bundle the AWS SDK v3 into the function instead of using the runtime's copy, for clients the
   * runtime may lack (e.g. CloudFront KeyValueStore with SigV4A). @default false
   */
  readonly bundleAwsSdk?: boolean;
}

/** Runtime family Rempart ships on; cdk-nag's AwsSolutions-L1 checks it is the latest. */
export const REMPART_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * The one Lambda function shape in Rempart: Node.js 24 on ARM64, X-Ray tracing, JSON logs in an
 * encrypted log group with retention, a role with no AWS managed policy, bundled by the local
 * esbuild package (never Docker) through a content-addressed cache (`bundle.ts`), AWS SDK v3 left
 * to the runtime, source maps on.
 *
 * Grant to `fn.function` (or `fn.role`) as to any Lambda function. `faultInjection` makes it a
 * target of AWS FIS Lambda actions (extension layer, its environment, read of its S3 location).
 */
export class RempartFunction extends Construct {
  /** The function: grant to it, alarm on it, add event sources to it. */
  public readonly function: lambda.Function;
  /** Its execution role, with no AWS managed policy: only what is granted to it. */
  public readonly role: iam.Role;
  /** Its log group, encrypted, with retention (Lambda would otherwise create one that never expires). */
  public readonly logGroup: logs.LogGroup;
  /**
   * S3 ARN of the fault configuration location (`arn:aws:s3:::<bucket>/<prefix>/`), when
   * `faultInjection` is set: give it to the FIS experiment role as its write location.
   */
  public readonly faultConfigLocationArn?: string;

  constructor(scope: Construct, id: string, props: RempartFunctionProps) {
    super(scope, id);
    validate(this.node.path, Stack.of(this).region, props);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logEncryptionKey ?? new LogEncryptionKey(this, 'LogKey').key,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Our own role: AWSLambdaBasicExecutionRole would allow writing to every log group in the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${this.node.path}`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    if (props.vpc) {
      this.role.addManagedPolicy(
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
      );
    }

    this.function = new lambda.Function(this, 'Resource', {
      code: lambda.Code.fromAsset(bundleHandler(props.entry, { bundleAwsSdk: props.bundleAwsSdk })),
      handler: `index.${props.handler ?? 'handler'}`,
      description: props.description,
      runtime: REMPART_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role: this.role,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup: this.logGroup,
      vpc: props.vpc,
      environment: {
        POWERTOOLS_SERVICE_NAME: id,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      layers: props.faultInjection
        ? [
            lambda.LayerVersion.fromLayerVersionArn(
              this,
              'FisExtension',
              props.faultInjection.extensionLayerArn,
            ),
          ]
        : undefined,
    });

    if (props.faultInjection) {
      this.faultConfigLocationArn = this.enableFaultInjection(props.faultInjection.configLocation);
    }
    this.acknowledgeFindings(props);
  }

  /**
   * The extension's environment and least-privilege read of its location (the docs' policy, to the letter).
   */
  private enableFaultInjection(location: FaultConfigLocation): string {
    const prefix = normalizedPrefix(location.prefix);
    const locationArn = location.bucket.arnForObjects(prefix);
    this.function.addEnvironment(FIS_EXTENSION_ENVIRONMENT.wrapper, FIS_EXTENSION_WRAPPER);
    this.function.addEnvironment(FIS_EXTENSION_ENVIRONMENT.location, locationArn);
    const objects = location.bucket.arnForObjects(`${prefix}*`);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ListFaultConfig',
        actions: ['s3:ListBucket'],
        resources: [location.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'ReadFaultConfig', actions: ['s3:GetObject'], resources: [objects] }),
    );
    location.bucket.encryptionKey?.grantDecrypt(this.role);
    acknowledge(this.role, {
      id: `AwsSolutions-IAM5[Resource::${flatten(Stack.of(this).resolve(objects))}]`,
      reason:
        "Read-only (s3:GetObject) on the one prefix AWS FIS writes this function's fault configuration to: FIS names the objects per experiment at run time, so they cannot be listed at synth time.",
    });
    return locationArn;
  }

  private acknowledgeFindings(props: RempartFunctionProps): void {
    const dlqReason = DLQ_REASONS[props.invocation];
    acknowledge(this.function, { id: 'lambda-failures-handled-by-caller', reason: dlqReason });
    if (!props.vpc) {
      const vpcReason =
        "Reaches regional AWS APIs (DynamoDB, SQS, Secrets Manager, X-Ray) over TLS with IAM-signed requests, and for the authorizers the identity provider's public JWKS over TLS; a VPC would add ENI cold starts and NAT cost without closing any network path.";
      acknowledge(this.function, { id: 'lambda-outside-vpc', reason: vpcReason });
    }
    const inlineReason =
      'Statements are generated by least-privilege CDK grants on named resources and attached to this single role only, created and deleted with it.';
    acknowledge(
      this.role,
      { id: 'iam-inline-policy-per-role', reason: inlineReason },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) uses Resource *: X-Ray has no resource-level permissions. A unit test keeps every other statement off *.',
      },
    );
    if (props.vpc) {
      acknowledge(this.role, {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          'ENI management for VPC-attached functions: ec2:Create/Describe/DeleteNetworkInterface support no resource-level scoping.',
      });
    }
  }
}

function validate(path: string, region: string, props: RempartFunctionProps): void {
  const problems: string[] = [];
  const memory = props.memorySize;
  if (memory !== undefined && !Token.isUnresolved(memory) && (memory < 128 || memory > 10240)) {
    problems.push(`memorySize is ${memory}. Fix: use 128 to 10240 MiB`);
  }
  const reserved = props.reservedConcurrentExecutions;
  if (!Token.isUnresolved(reserved) && (!Number.isInteger(reserved) || reserved < 1)) {
    problems.push(`reservedConcurrentExecutions is ${reserved}. Fix: use a whole number of at least 1`);
  }
  const timeout = props.timeout;
  if (timeout && !timeout.isUnresolved() && (timeout.toSeconds() < 1 || timeout.toSeconds() > 900)) {
    problems.push(`timeout is ${timeout.toSeconds()} s. Fix: use 1 to 900 seconds`);
  }
  if (props.faultInjection) {
    problems.push(...faultInjectionProblems(region, props.faultInjection, props.environment ?? {}));
  }
  if (problems.length) throw new Error(`RempartFunction ${path}: ${problems.join('; ')}`);
}

const LAYER_VERSION_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:layer:([A-Za-z0-9_-]{1,140}):\d+$/;
const KEY_PREFIX = /^[A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*\/?$/;

function faultInjectionProblems(
  region: string,
  { extensionLayerArn: arn, configLocation }: FaultInjectionProps,
  environment: Record<string, string>,
): string[] {
  const problems: string[] = [];
  if (!Token.isUnresolved(arn)) {
    const match = LAYER_VERSION_ARN.exec(arn);
    if (!match) {
      problems.push(
        `faultInjection.extensionLayerArn is "${arn}", not a Lambda layer version ARN. Fix: use the AWS FIS extension ARN AWS publishes for the Region, arn:aws:lambda:<region>:<account>:layer:<name>:<version>`,
      );
    } else if (!Token.isUnresolved(region) && match[1] !== region) {
      problems.push(
        `faultInjection.extensionLayerArn is a layer of ${match[1]}, but the function is in ${region}. Fix: use the extension ARN published in ${region}`,
      );
    } else if (/x86/i.test(match[2])) {
      problems.push(
        `faultInjection.extensionLayerArn "${arn}" is an x86_64 build, but the function runs on arm64. Fix: use the arm64 build of the extension`,
      );
    }
  }
  const prefix = configLocation.prefix;
  if (!Token.isUnresolved(prefix) && !KEY_PREFIX.test(prefix)) {
    problems.push(
      `faultInjection.configLocation.prefix is "${prefix}". Fix: use a non-empty key prefix without leading "/" or spaces, e.g. "fis/lambda/"`,
    );
  }
  for (const name of Object.values(FIS_EXTENSION_ENVIRONMENT)) {
    if (name in environment) {
      problems.push(`environment sets ${name}, which faultInjection owns. Fix: remove it from environment`);
    }
  }
  return problems;
}

function normalizedPrefix(prefix: string): string {
  return Token.isUnresolved(prefix) || prefix.endsWith('/') ? prefix : `${prefix}/`;
}
