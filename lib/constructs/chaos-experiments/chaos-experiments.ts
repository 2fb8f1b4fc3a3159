import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as fis from 'aws-cdk-lib/aws-fis';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import { flatten } from '../../compliance/resilience/private/cfn';

/** Tags that select the targets of every drill; put them on the resources, not here. */
export interface ChaosTargetTags {
  /** Subnets of the Region's VPCs (network disruption). */
  readonly subnets: Record<string, string>;
  /** ECS tasks of the web service (the service must propagate its tags to its tasks). */
  readonly tasks: Record<string, string>;
  /** Global table replicas of this Region (replication pause). */
  readonly globalTables: Record<string, string>;
  /** Queue worker functions (function faults, queue impairment). */
  readonly workerFunctions: Record<string, string>;
}

/**
 * How long one drill's fault lasts and what stops it early. Every drill has both, so that a drill run
 * in production can neither outlast its window nor carry on while the service is really failing.
 */
export interface ChaosDrillSettings {
  /** Bounded duration of the fault. */
  readonly duration: Duration;
  /** Alarms that stop the experiment at once when they go to ALARM. At least one. */
  readonly stopConditions: readonly cloudwatch.IAlarm[];
}

/** Props of {@link ChaosExperiments}. */
export interface ChaosExperimentsProps {
  /** Prefix of template descriptions and Name tags, e.g. "Rempart-eu-west-3". */
  readonly namePrefix: string;
  /** Tags that select each drill's targets; resources without them are never touched. */
  readonly targets: ChaosTargetTags;
  /** AZ whose power is cut in the AZ drill, e.g. "eu-west-3a". */
  readonly availabilityZone: string;
  /** Duration and stop alarms of the AZ power interruption drill. */
  readonly azPowerInterruption: ChaosDrillSettings;
  /** Duration and stop alarms of the Region isolation drill. */
  readonly regionIsolation: ChaosDrillSettings;
  /**
   * FIS Lambda action: a share of worker invocations fail. Needs `lambdaFaultConfigLocationArn`.
   * @default - no template (the workers do not run the FIS Lambda extension)
   */
  readonly functionFault?: ChaosDrillSettings & {
    /** Share of invocations that fail, in percent. */
    readonly invocationPercentage: number;
  };
  /**
   * FIS Lambda action: every worker invocation starts late. Needs `lambdaFaultConfigLocationArn`.
   * @default - no template (the workers do not run the FIS Lambda extension)
   */
  readonly queueImpairment?: ChaosDrillSettings & {
    /** Delay added before every worker invocation starts. */
    readonly startupDelay: Duration;
  };
  /**
   * S3 location (`arn:aws:s3:::<bucket>/<prefix>/`) the targeted workers' FIS Lambda extension reads
   * (their AWS_FIS_CONFIGURATION_LOCATION) and FIS writes fault configuration to: the Lambda drill
   * roles may write and delete objects under it, nowhere else.
   * Required by `functionFault` and `queueImpairment`. @default - no Lambda drill
   */
  readonly lambdaFaultConfigLocationArn?: string;
}

/**
 * AWS FIS experiment templates for Rempart's drills, each with its own least-privilege role, a
 * bounded duration, tag-selected targets and CloudWatch alarm stop conditions:
 *
 * - `azPowerInterruption`: an AZ's subnets lose all connectivity and the web service's tasks in
 *   it are stopped (the parts of FIS's AZ power interruption scenario that apply to Fargate).
 * - `regionIsolation`: every tagged subnet of the Region loses connectivity and the Region's
 *   global table replicas stop replicating.
 * - `functionFault`: a share of worker invocations fail (retries and the DLQ are exercised).
 * - `queueImpairment`: every worker invocation is delayed, so the queue backs up and ages.
 *
 * The two Lambda drills exist only when they are given, with the S3 location that the workers' AWS
 * FIS Lambda extension reads: without the extension they could only fail at start.
 */
export class ChaosExperiments extends Construct {
  /** Template of the AZ drill; its id is what `aws fis start-experiment` takes (see the runbooks). */
  public readonly azPowerInterruption: fis.CfnExperimentTemplate;
  /** Template of the Region drill. */
  public readonly regionIsolation: fis.CfnExperimentTemplate;
  /** Undefined when `functionFault` was not given. */
  public readonly functionFault?: fis.CfnExperimentTemplate;
  /** Undefined when `queueImpairment` was not given. */
  public readonly queueImpairment?: fis.CfnExperimentTemplate;

  private readonly props: ChaosExperimentsProps;

  constructor(scope: Construct, id: string, props: ChaosExperimentsProps) {
    super(scope, id);
    validate(this.node.path, props);
    this.props = props;
    const stack = Stack.of(this);
    const t = props.targets;
    const iso = (d: Duration) => (d.toSeconds() % 60 === 0 ? `PT${d.toMinutes()}M` : `PT${d.toSeconds()}S`);
    const arn = (service: string, resource: string, arnFormat = ArnFormat.SLASH_RESOURCE_NAME) =>
      stack.formatArn({ service, resource, resourceName: '*', arnFormat });

    // --- AZ power interruption ----------------------------------------------------------------
    this.azPowerInterruption = this.template('AzPowerInterruption', {
      what: `AZ power interruption in ${props.availabilityZone}`,
      settings: props.azPowerInterruption,
      statements: [
        ...networkDisruptionStatements(stack, t.subnets),
        ...ecsStopTaskStatements(stack, t.tasks),
      ],
      targets: {
        Subnets: {
          resourceType: 'aws:ec2:subnet',
          resourceTags: t.subnets,
          filters: [{ path: 'AvailabilityZone', values: [props.availabilityZone] }],
          selectionMode: 'ALL',
        },
        Tasks: {
          resourceType: 'aws:ecs:task',
          resourceTags: t.tasks,
          filters: [{ path: 'AvailabilityZone', values: [props.availabilityZone] }],
          selectionMode: 'ALL',
        },
      },
      actions: {
        CutNetwork: {
          actionId: 'aws:network:disrupt-connectivity',
          description: 'Every packet in and out of the AZ subnets is dropped, as after a power cut',
          parameters: { duration: iso(props.azPowerInterruption.duration), scope: 'all' },
          targets: { Subnets: 'Subnets' },
        },
        StopTasks: {
          actionId: 'aws:ecs:stop-task',
          description: 'Tasks running in the AZ die with it',
          targets: { Tasks: 'Tasks' },
        },
      },
    });

    // --- Region isolation -------------------------------------------------------------------------
    this.regionIsolation = this.template('RegionIsolation', {
      what: `Region isolation of ${stack.region}`,
      settings: props.regionIsolation,
      statements: [
        ...networkDisruptionStatements(stack, t.subnets),
        ...replicationPauseStatements(arn, t.globalTables),
      ],
      targets: {
        Subnets: { resourceType: 'aws:ec2:subnet', resourceTags: t.subnets, selectionMode: 'ALL' },
        GlobalTables: {
          resourceType: 'aws:dynamodb:global-table',
          resourceTags: t.globalTables,
          selectionMode: 'ALL',
        },
      },
      actions: {
        CutNetwork: {
          actionId: 'aws:network:disrupt-connectivity',
          description: 'Every tagged subnet of the Region loses connectivity',
          parameters: { duration: iso(props.regionIsolation.duration), scope: 'all' },
          targets: { Subnets: 'Subnets' },
        },
        PauseReplication: {
          actionId: PAUSE_REPLICATION_ACTION,
          description: 'Replicas of this Region stop replicating to and from the others',
          parameters: { duration: iso(props.regionIsolation.duration) },
          targets: { Tables: 'GlobalTables' },
        },
      },
    });

    // --- Worker function faults (FIS Lambda extension) -----------------------------------------
    const { functionFault, queueImpairment, lambdaFaultConfigLocationArn: location } = props;
    if (functionFault && location) {
      this.functionFault = this.template('FunctionFault', {
        what: `Worker invocation errors (${functionFault.invocationPercentage}%)`,
        settings: functionFault,
        statements: lambdaFaultStatements(arn, t.workerFunctions, location),
        targets: {
          Workers: {
            resourceType: 'aws:lambda:function',
            resourceTags: t.workerFunctions,
            selectionMode: 'ALL',
          },
        },
        actions: {
          FailInvocations: {
            actionId: 'aws:lambda:invocation-error',
            description: 'A share of worker invocations fail before the handler runs; SQS redelivers them',
            parameters: {
              duration: iso(functionFault.duration),
              invocationPercentage: String(functionFault.invocationPercentage),
              preventExecution: 'true',
            },
            targets: { Functions: 'Workers' },
          },
        },
      });
    }

    // --- Queue impairment (FIS Lambda extension) ----------------------------------------------------
    if (queueImpairment && location) {
      this.queueImpairment = this.template('QueueImpairment', {
        what: `Queue impairment: worker start delayed ${queueImpairment.startupDelay.toMilliseconds()} ms`,
        settings: queueImpairment,
        statements: lambdaFaultStatements(arn, t.workerFunctions, location),
        targets: {
          Workers: {
            resourceType: 'aws:lambda:function',
            resourceTags: t.workerFunctions,
            selectionMode: 'ALL',
          },
        },
        actions: {
          DelayConsumers: {
            actionId: 'aws:lambda:invocation-add-delay',
            description: 'Every worker invocation starts late: the queue drains slower than it fills',
            parameters: {
              duration: iso(queueImpairment.duration),
              invocationPercentage: '100',
              startupDelayMilliseconds: String(queueImpairment.startupDelay.toMilliseconds()),
            },
            targets: { Functions: 'Workers' },
          },
        },
      });
    }
  }

  private template(
    id: string,
    spec: {
      what: string;
      settings: ChaosDrillSettings;
      statements: iam.PolicyStatement[];
      targets: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty>;
      actions: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateActionProperty>;
    },
  ): fis.CfnExperimentTemplate {
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('fis.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `FIS drill "${spec.what}": only the actions of this one template`,
    });
    // A customer-managed policy, not inline: auditors read it once, attached to this role only.
    const policy = new iam.ManagedPolicy(this, `${id}Policy`, { statements: spec.statements, roles: [role] });
    // Reasons are written from the statements themselves, so they stay true when a statement changes.
    for (const [finding, statements] of wildcardFindings(Stack.of(this), spec.statements)) {
      acknowledge(policy, {
        id: `AwsSolutions-IAM5[${finding}]`,
        reason:
          finding === 'Resource::*'
            ? anyResourceReason(Stack.of(this), statements)
            : patternReason(statements),
      });
    }

    return new fis.CfnExperimentTemplate(this, id, {
      description: `${this.props.namePrefix}: ${spec.what}`,
      roleArn: role.roleArn,
      stopConditions: spec.settings.stopConditions.map((alarm) => ({
        source: 'aws:cloudwatch:alarm',
        value: alarm.alarmArn,
      })),
      targets: spec.targets,
      actions: spec.actions,
      experimentOptions: { accountTargeting: 'single-account', emptyTargetResolutionMode: 'fail' },
      tags: { Name: `${this.props.namePrefix}-${id}` },
    });
  }
}

function networkDisruptionStatements(
  stack: Stack,
  subnetTags: Record<string, string>,
): iam.PolicyStatement[] {
  const acl = stack.formatArn({ service: 'ec2', resource: 'network-acl', resourceName: '*' });
  const subnet = stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: '*' });
  const vpc = stack.formatArn({ service: 'ec2', resource: 'vpc', resourceName: '*' });
  return [
    // As AWSFaultInjectionSimulatorNetworkAccess: the new ACL must be tagged managedByFIS, and that
    // tag can only be set while creating it, so no existing ACL can be made editable below.
    new iam.PolicyStatement({
      sid: 'CreateFisNetworkAcl',
      actions: ['ec2:CreateNetworkAcl'],
      resources: [acl],
      conditions: { StringEquals: { 'aws:RequestTag/managedByFIS': 'true' } },
    }),
    new iam.PolicyStatement({
      sid: 'TagFisNetworkAclAtCreation',
      actions: ['ec2:CreateTags'],
      resources: [acl],
      conditions: {
        StringEquals: { 'ec2:CreateAction': 'CreateNetworkAcl', 'aws:RequestTag/managedByFIS': 'true' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'CreateFisNetworkAclInVpc',
      actions: ['ec2:CreateNetworkAcl'],
      resources: [vpc],
    }),
    new iam.PolicyStatement({
      sid: 'EditOnlyFisNetworkAcl',
      actions: ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAcl'],
      resources: [acl],
      conditions: { StringEquals: { 'ec2:ResourceTag/managedByFIS': 'true' } },
    }),
    // EC2 authorizes both the subnet and the network ACL of each association change: the subnet
    // side holds the tag condition, the ACL side cannot (see UNTAGGED.SwapToFisAclAndBack).
    new iam.PolicyStatement({
      sid: 'SwapAclOfTaggedSubnets',
      actions: ['ec2:ReplaceNetworkAclAssociation'],
      resources: [subnet],
      conditions: tagged(subnetTags, 'ec2'),
    }),
    new iam.PolicyStatement({
      sid: 'SwapToFisAclAndBack',
      actions: ['ec2:ReplaceNetworkAclAssociation'],
      resources: [acl],
    }),
    new iam.PolicyStatement({
      sid: 'DescribeNetwork',
      actions: [
        'ec2:DescribeNetworkAcls',
        'ec2:DescribeSubnets',
        'ec2:DescribeVpcs',
        'ec2:DescribeManagedPrefixLists',
        'ec2:GetManagedPrefixListEntries',
        'tag:GetResources',
      ],
      resources: ['*'],
    }),
  ];
}

/** `<prefix>:ResourceTag/<key>` conditions: the role may only act on resources carrying the drill's tags. */
function tagged(
  tags: Record<string, string>,
  prefix: 'aws' | 'ec2' = 'aws',
): Record<string, Record<string, string>> {
  return {
    StringEquals: Object.fromEntries(Object.entries(tags).map(([k, v]) => [`${prefix}:ResourceTag/${k}`, v])),
  };
}

function ecsStopTaskStatements(stack: Stack, taskTags: Record<string, string>): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'StopTaggedTasks',
      actions: ['ecs:StopTask'],
      resources: [stack.formatArn({ service: 'ecs', resource: 'task', resourceName: '*' })],
      conditions: tagged(taskTags),
    }),
    new iam.PolicyStatement({
      sid: 'FindTasks',
      actions: ['ecs:DescribeTasks', 'ecs:ListTasks', 'tag:GetResources'],
      resources: ['*'],
    }),
  ];
}

type ArnPattern = (service: string, resource: string, arnFormat?: ArnFormat) => string;

/** The FIS action that pauses global-table replication (FIS actions reference, "Amazon DynamoDB actions"). */
export const PAUSE_REPLICATION_ACTION = 'aws:dynamodb:global-table-pause-replication';

/**
 * FIS pauses replication by adding a deny for the replication role to the table's resource policy.
 * On a multi-Region strongly consistent (MRSC) table it also calls dynamodb:InjectError, which has
 * no resource type (Service Authorization Reference): it is granted on "*", but only for this FIS
 * action and only towards tables of this account and Region.
 */
function replicationPauseStatements(
  arn: ArnPattern,
  tableTags: Record<string, string>,
): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'InjectErrorForMrscPause',
      actions: ['dynamodb:InjectError'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'dynamodb:FisActionId': PAUSE_REPLICATION_ACTION },
        'ForAllValues:ArnLike': { 'dynamodb:FisTargetArns': arn('dynamodb', 'table') },
      },
    }),
    new iam.PolicyStatement({
      sid: 'PauseReplication',
      actions: [
        'dynamodb:PutResourcePolicy',
        'dynamodb:DeleteResourcePolicy',
        'dynamodb:GetResourcePolicy',
        'dynamodb:DescribeTable',
      ],
      resources: [arn('dynamodb', 'table')],
      conditions: tagged(tableTags),
    }),
    new iam.PolicyStatement({ sid: 'FindTables', actions: ['tag:GetResources'], resources: ['*'] }),
  ];
}

/** FIS reads each target's AWS_FIS_CONFIGURATION_LOCATION (lambda:GetFunction) and writes its faults there. */
function lambdaFaultStatements(
  arn: ArnPattern,
  workerTags: Record<string, string>,
  configLocation: string,
): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ReadTaggedWorkers',
      actions: ['lambda:GetFunction'],
      resources: [arn('lambda', 'function', ArnFormat.COLON_RESOURCE_NAME)],
      conditions: tagged(workerTags),
    }),
    new iam.PolicyStatement({ sid: 'FindWorkers', actions: ['tag:GetResources'], resources: ['*'] }),
    new iam.PolicyStatement({
      sid: 'WriteFaultConfig',
      actions: ['s3:PutObject', 's3:DeleteObject'],
      resources: [faultConfigObjects(configLocation)],
    }),
  ];
}

/** Objects under the location: "<location>/*" with exactly one "/" between them. */
export function faultConfigObjects(locationArn: string): string {
  return `${locationArn.replace(/\/$/, '')}/*`;
}

/**
 * The `AwsSolutions-IAM5` findings of a policy (`Resource::*`, or an ARN pattern such as
 * `Resource::arn:<AWS::Partition>:ec2:…:subnet/*`), each with the statements granting on it.
 */
function wildcardFindings(
  stack: Stack,
  statements: iam.PolicyStatement[],
): Map<string, iam.PolicyStatement[]> {
  const found = new Map<string, iam.PolicyStatement[]>();
  for (const s of statements) {
    for (const r of s.resources) {
      const text = flatten(stack.resolve(r));
      if (!text.includes('*')) continue;
      const finding = `Resource::${text}`;
      found.set(finding, [...(found.get(finding) ?? []), s]);
    }
  }
  return found;
}

/**
 * Why a statement that changes something carries no tag condition, by Sid. The acknowledgement of
 * its ARN pattern quotes it; a statement with neither condition nor entry here fails the synth.
 */
const UNTAGGED: Record<string, string> = {
  CreateFisNetworkAclInVpc:
    'the VPC side of this action takes no request-tag condition (the VPC is not the resource created) and the drill knows its subnets by tag, not their VPCs, so it is granted as in the AWS managed policy AWSFaultInjectionSimulatorNetworkAccess; the ACL created must carry managedByFIS=true (statement CreateFisNetworkAcl) and starts associated with no subnet',
  SwapToFisAclAndBack:
    'the network-ACL side of this action cannot take a tag condition, because at the end of the drill FIS puts each subnet back on its original network ACL (usually the VPC default ACL), which carries neither the drill tags nor managedByFIS; EC2 also authorizes the subnet of every such call, and that side is limited to the tagged subnets (statement SwapAclOfTaggedSubnets)',
  WriteFaultConfig:
    'S3 objects are not selected by tag here; the pattern is the fault configuration prefix that the targeted workers read, in the bucket made for it, and nothing else',
};

/** Conditions as text; ARNs built from tokens read as the template shows them (`<AWS::Partition>`…). */
function conditionText(conditions: Record<string, Record<string, unknown>>, stack?: Stack): string {
  const text = (v: unknown) => (stack ? flatten(stack.resolve(v)) : String(v));
  return Object.values(conditions)
    .flatMap((byKey) => Object.entries(byKey).map(([k, v]) => `${k}=${[v].flat().map(text).join('|')}`))
    .join(' and ');
}

function patternReason(statements: iam.PolicyStatement[]): string {
  const grants = statements.map((s) => {
    const actions = s.actions.join(', ');
    if (Object.keys(s.conditions as object).length > 0) {
      return `${actions} only where ${conditionText(s.conditions as Record<string, Record<string, unknown>>)}`;
    }
    const why = s.sid === undefined ? undefined : UNTAGGED[s.sid];
    if (why === undefined) {
      throw new Error(
        `ChaosExperiments: statement ${s.sid ?? '(no Sid)'} grants ${actions} on a wildcard with no condition. Fix: add a tag condition, or explain in UNTAGGED why none applies`,
      );
    }
    return `${actions} with no tag condition: ${why}`;
  });
  return `The resources are only known when the experiment runs (targets are resolved by tag at start, FIS creates its own network ACLs), so this ARN pattern names a resource type, not a resource. On it: ${grants.join('; ')}.`;
}

/**
 * Actions that change something yet have no resource type in the Service Authorization Reference,
 * so IAM accepts them only on "*": each must carry conditions, and this says why it is needed.
 */
const NO_RESOURCE_TYPE: Record<string, string> = {
  'dynamodb:InjectError':
    'required by the FIS replication-pause action on multi-Region strongly consistent tables (FIS actions reference); DynamoDB defines no resource type for it, so its scope is the conditions dynamodb:FisActionId and dynamodb:FisTargetArns',
};

const READ_ONLY = /^[a-z0-9-]+:(Describe|List|Get)[A-Za-z]*$/;

function anyResourceReason(stack: Stack, statements: iam.PolicyStatement[]): string {
  const reads = [...new Set(statements.flatMap((s) => s.actions.filter((a) => READ_ONLY.test(a))))].sort();
  const writes: string[] = [];
  for (const s of statements) {
    for (const action of s.actions.filter((a) => !READ_ONLY.test(a))) {
      const why = NO_RESOURCE_TYPE[action];
      const conditions = s.conditions as Record<string, Record<string, unknown>>;
      if (why === undefined || Object.keys(conditions).length === 0) {
        throw new Error(
          `ChaosExperiments: ${action} granted on "*"${why === undefined ? '' : ' with no condition'}. Fix: grant it on an ARN pattern with a tag condition, or, for an action with no resource type, add its conditions and its reason to NO_RESOURCE_TYPE`,
        );
      }
      writes.push(`${action} only where ${conditionText(conditions, stack)}: ${why}`);
    }
  }
  const discovery = `Read-only discovery calls on "*": ${reads.join(', ')}. FIS resolves the targets by tag when the experiment starts (tag:GetResources supports no resource-level permission) and reads them before acting; none of these calls changes anything.`;
  const conditioned = writes.length ? ` Also on "*", ${writes.join('; ')}.` : '';
  return `${discovery}${conditioned} Every other call that changes something is granted on an ARN pattern and acknowledged there with its condition.`;
}

function validate(path: string, props: ChaosExperimentsProps): void {
  const problems: string[] = [];
  const drills = {
    azPowerInterruption: props.azPowerInterruption,
    regionIsolation: props.regionIsolation,
    functionFault: props.functionFault,
    queueImpairment: props.queueImpairment,
  };
  for (const [name, drill] of Object.entries(drills)) {
    if (!drill) continue;
    if (name === 'functionFault' || name === 'queueImpairment') {
      if (props.lambdaFaultConfigLocationArn === undefined) {
        problems.push(
          `${name} is set but lambdaFaultConfigLocationArn is not: FIS Lambda actions need the S3 location the workers' FIS extension reads, and the drill would fail at start. Fix: pass the workers' AWS_FIS_CONFIGURATION_LOCATION, or leave ${name} out`,
        );
      }
    }
    if (drill.stopConditions.length === 0) {
      problems.push(
        `${name}.stopConditions is empty: nothing would stop a drill that hurts. Fix: pass at least one alarm`,
      );
    }
    if (drill.stopConditions.length > 5) {
      problems.push(
        `${name}.stopConditions has ${drill.stopConditions.length} alarms. Fix: FIS accepts at most 5; combine them in a composite alarm`,
      );
    }
    const minutes = drill.duration.isUnresolved() ? undefined : drill.duration.toMinutes({ integral: false });
    if (minutes !== undefined && (minutes < 1 || minutes > 720)) {
      problems.push(
        `${name}.duration is ${minutes} min. Fix: use 1 to 720 minutes (FIS's longest action is 12 h)`,
      );
    }
  }
  const pct = props.functionFault?.invocationPercentage;
  if (pct !== undefined && !Token.isUnresolved(pct) && (!Number.isInteger(pct) || pct < 1 || pct > 100)) {
    problems.push(`functionFault.invocationPercentage is ${pct}. Fix: use 1 to 100`);
  }
  const location = props.lambdaFaultConfigLocationArn;
  if (
    location !== undefined &&
    !Token.isUnresolved(location) &&
    !/^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/\S*)?$/.test(location)
  ) {
    problems.push(
      `lambdaFaultConfigLocationArn is "${location}". Fix: use an S3 ARN of a bucket and prefix, e.g. "arn:aws:s3:::my-fis-config/fis/lambda/"`,
    );
  }
  if (
    !Token.isUnresolved(props.availabilityZone) &&
    !/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(props.availabilityZone)
  ) {
    problems.push(`availabilityZone is "${props.availabilityZone}". Fix: name an AZ, e.g. "eu-west-3a"`);
  }
  for (const [name, tags] of Object.entries(props.targets)) {
    if (Object.keys(tags as Record<string, string>).length === 0) {
      problems.push(
        `targets.${name} has no tag: the drill would hit every resource of its type. Fix: pass at least one tag`,
      );
    }
  }
  if (problems.length) throw new Error(`ChaosExperiments ${path}: ${problems.join('; ')}`);
}
