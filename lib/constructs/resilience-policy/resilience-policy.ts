import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as resiliencehub from 'aws-cdk-lib/aws-resiliencehub';
import { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';

/**
 * The AWS managed policy Resilience Hub documents for the role it assumes to read an application's
 * resources (its "invoker role"): read-only describe/list/get calls on the resource types it assesses.
 */
export const RESILIENCE_HUB_ASSESSMENT_POLICY = 'AWSResilienceHubAsssessmentExecutionPolicy';

/** Objectives for one disruption type, in seconds (Resilience Hub's unit). */
export interface FailureObjective {
  /** Recovery time objective: how long the service may be unavailable. */
  readonly rtoInSecs: number;
  /** Recovery point objective: how much recent data may be lost; 0 means none. */
  readonly rpoInSecs: number;
}

/** Props of {@link ResiliencePolicy}. */
export interface ResiliencePolicyProps {
  /** Name of the policy and of the app (Resilience Hub names: letters, digits, `-` and `_`). */
  readonly name: string;
  /**
   * Tier of the policy in Resilience Hub, a classification; the objectives are what is assessed.
   * @default "Critical"
   */
  readonly tier?: 'MissionCritical' | 'Critical' | 'Important' | 'CoreServices' | 'NonCritical';
  /** Loss of one Availability Zone. */
  readonly az: FailureObjective;
  /** Loss of hosts or tasks inside an AZ ("Hardware" in Resilience Hub). */
  readonly infrastructure: FailureObjective;
  /** A bad deployment or software fault. */
  readonly software: FailureObjective;
  /** Loss of a whole Region. */
  readonly region: FailureObjective;
  /** ARNs of the CloudFormation stacks the app is made of (e.g. `stack.stackId`). At least one. */
  readonly stackArns: readonly string[];
  /**
   * Whether Resilience Hub assesses the app every day, so that drift from the objectives shows up
   * without anyone asking. @default "Daily"
   */
  readonly assessmentSchedule?: 'Daily' | 'Disabled';
  /**
   * Role Resilience Hub assumes to import and assess the app, daily assessments included (the app's
   * `RoleBased` permission model). It must trust `resiliencehub.amazonaws.com` and carry
   * `AWSResilienceHubAsssessmentExecutionPolicy` or equivalent read permissions.
   * @default - a role made here: trusted by Resilience Hub for this account only, with that policy
   */
  readonly invokerRole?: iam.IRole;
}

/**
 * An AWS Resilience Hub resiliency policy with RTO/RPO for AZ, infrastructure, software and Region
 * disruptions (data kept on the same continent: the EEA Regions), and a Resilience Hub app over
 * the given stacks, assessed on a schedule. What the docs claim is what Resilience Hub checks.
 */
export class ResiliencePolicy extends Construct {
  /** The resiliency policy (the declared RTO and RPO). */
  public readonly policy: resiliencehub.CfnResiliencyPolicy;
  /** The Resilience Hub app over `stackArns`, bound to the policy. */
  public readonly app: resiliencehub.CfnApp;
  /**
   * The invoker role of the app's permission model. Scheduled assessments run with it: without a
   * permission model Resilience Hub would need a role named AwsResilienceHubPeriodicAssessmentRole,
   * which its documentation advises against.
   */
  public readonly invokerRole: iam.IRole;

  constructor(scope: Construct, id: string, props: ResiliencePolicyProps) {
    super(scope, id);
    validate(this.node.path, props);
    const stack = Stack.of(this);

    this.policy = new resiliencehub.CfnResiliencyPolicy(this, 'Resource', {
      policyName: props.name,
      policyDescription: `Declared recovery objectives of ${props.name}`,
      tier: props.tier ?? 'Critical',
      dataLocationConstraint: 'SameContinent',
      policy: {
        AZ: props.az,
        Hardware: props.infrastructure,
        Software: props.software,
        Region: props.region,
      },
    });

    this.invokerRole = props.invokerRole ?? this.createInvokerRole(props.name);

    this.app = new resiliencehub.CfnApp(this, 'App', {
      name: props.name,
      description: `Resilience Hub view of ${props.name}: its CloudFormation stacks, assessed against ${props.name}`,
      resiliencyPolicyArn: this.policy.attrPolicyArn,
      appAssessmentSchedule: props.assessmentSchedule ?? 'Daily',
      permissionModel: { type: 'RoleBased', invokerRoleName: this.invokerRole.roleName },
      appTemplateBody: JSON.stringify({
        resources: [],
        appComponents: [],
        excludedResources: {},
        version: 2,
      }),
      resourceMappings: props.stackArns.map((identifier) => ({
        mappingType: 'CfnStack',
        physicalResourceId: { type: 'Arn', identifier, awsRegion: stack.region, awsAccountId: stack.account },
      })),
    });
    // Resilience Hub checks that it can assume the role when the app is created.
    this.app.node.addDependency(this.invokerRole);
  }

  private createInvokerRole(name: string): iam.Role {
    const role = new iam.Role(this, 'InvokerRole', {
      description: `Resilience Hub reads the resources of ${name} to assess them (on demand and daily)`,
      // The trust policy Resilience Hub documents, without source conditions: it documents none, and
      // a condition it does not send would make every assessment fail. Only an app of this same
      // account can name the role (invokerRoleName is resolved in the app's own account).
      assumedBy: new iam.ServicePrincipal('resiliencehub.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(RESILIENCE_HUB_ASSESSMENT_POLICY)],
    });
    acknowledge(role, {
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${RESILIENCE_HUB_ASSESSMENT_POLICY}]`,
      reason:
        "Resilience Hub documents this AWS managed policy as the permissions of its invoker role: read-only describe/list/get calls over the resource types it assesses, kept current by AWS as it adds types. A copy here would drift and make assessments fail silently. The role can be assumed only by Resilience Hub, for apps of this account (an invoker role name is resolved in the app's own account).",
    });
    return role;
  }
}

function validate(path: string, props: ResiliencePolicyProps): void {
  const problems: string[] = [];
  if (!Token.isUnresolved(props.name) && !/^[A-Za-z0-9][A-Za-z0-9_-]{1,59}$/.test(props.name)) {
    problems.push(
      `name is "${props.name}". Fix: use 2-60 letters, digits, "-" or "_", starting with a letter or digit`,
    );
  }
  const kinds = {
    az: props.az,
    infrastructure: props.infrastructure,
    software: props.software,
    region: props.region,
  };
  for (const [kind, o] of Object.entries(kinds)) {
    for (const [field, value] of Object.entries(o) as [string, number][]) {
      if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < 0)) {
        problems.push(`${kind}.${field} is ${value}. Fix: use a whole number of seconds, 0 or more`);
      }
    }
  }
  if (props.stackArns.length === 0)
    problems.push('stackArns is empty. Fix: pass the stacks of the application');
  if (problems.length) throw new Error(`ResiliencePolicy ${path}: ${problems.join('; ')}`);
}
