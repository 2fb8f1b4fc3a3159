import { Stack, Token } from 'aws-cdk-lib';
import * as resiliencehub from 'aws-cdk-lib/aws-resiliencehub';
import { Construct } from 'constructs';

/** Objectives for one disruption type, in seconds (Resilience Hub's unit). */
export interface FailureObjective {
  readonly rtoInSecs: number;
  readonly rpoInSecs: number;
}

export interface ResiliencePolicyProps {
  /** Name of the policy and of the app (Resilience Hub names: letters, digits, `-` and `_`). */
  readonly name: string;
  /** @default "Critical" */
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
  /** @default "Daily" */
  readonly assessmentSchedule?: 'Daily' | 'Disabled';
}

/**
 * An AWS Resilience Hub resiliency policy with RTO/RPO for AZ, infrastructure, software and Region
 * disruptions (data kept on the same continent: the EEA Regions), and a Resilience Hub app over
 * the given stacks, assessed on a schedule. What the docs claim is what Resilience Hub checks.
 */
export class ResiliencePolicy extends Construct {
  public readonly policy: resiliencehub.CfnResiliencyPolicy;
  public readonly app: resiliencehub.CfnApp;

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

    this.app = new resiliencehub.CfnApp(this, 'App', {
      name: props.name,
      description: `Resilience Hub view of ${props.name}: its CloudFormation stacks, assessed against ${props.name}`,
      resiliencyPolicyArn: this.policy.attrPolicyArn,
      appAssessmentSchedule: props.assessmentSchedule ?? 'Daily',
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
