import { Names, Stack, Token } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as shield from 'aws-cdk-lib/aws-shield';
import { Construct } from 'constructs';

/** A CloudWatch alarm, named by Region and name as Route 53 health checks address it. */
export interface HealthAlarmRef {
  /** The alarm's name, e.g. of an alarm of `RegionalObservability.healthSignals` (a metric alarm). */
  readonly alarmName: string;
  /** Region of the alarm, which may differ from this stack's (health checks are global). */
  readonly region: string;
}

/** One resource Shield Advanced protects, and how Shield tells it is healthy. */
export interface ProtectedResource {
  /** Name of the protection in Shield, e.g. "booking-distribution"; unique in this construct. */
  readonly name: string;
  /**
   * ARN of a CloudFront distribution, Route 53 hosted zone, load balancer, Elastic IP or Global Accelerator.
   */
  readonly resourceArn: string;
  /**
   * Alarms that turn ALARM when the application behind the resource is unhealthy (error rate,
   * latency, failed health probes). They become a Route 53 health check that Shield uses for
   * health-based detection: it detects earlier and with fewer false positives. @default none
   */
  readonly healthAlarms?: readonly HealthAlarmRef[];
  /**
   * Automatic application-layer mitigation: during an attack Shield writes rules into the web ACL
   * associated with the resource. Only for CloudFront distributions and application load balancers
   * that have a web ACL. @default false
   */
  readonly applicationLayerMitigation?: boolean;
}

/** Someone the Shield Response Team may call or write to during an event. */
export interface EmergencyContact {
  /** An address read around the clock during an opening, e.g. the on-call mailbox. */
  readonly email: string;
  /** E.164, e.g. "+33123456789". @default - no phone number */
  readonly phone?: string;
  /** What the team should know first, e.g. who decides to block. @default - no notes */
  readonly notes?: string;
}

/** Props of {@link DdosProtection}. */
export interface DdosProtectionProps {
  /** The resources to protect; at least one, names unique. */
  readonly resources: readonly ProtectedResource[];
  /**
   * Action of the rules Shield writes during an application-layer attack. Start with COUNT: Shield
   * needs weeks of baseline traffic before its rules can be trusted to block. @default "COUNT"
   */
  readonly applicationLayerAction?: 'COUNT' | 'BLOCK';
  /**
   * How Shield combines the group's traffic to detect an event. MAX suits a distribution and its
   * origins (same traffic seen twice); SUM suits resources sharing the load. @default "MAX"
   */
  readonly groupAggregation?: 'SUM' | 'MEAN' | 'MAX';
  /**
   * Id of the protection group, shown in the Shield console.
   * @default - a unique id derived from the construct path
   */
  readonly protectionGroupId?: string;
  /**
   * Let the Shield Response Team contact these people when a protected resource's health check
   * turns unhealthy during an event. Needs Business or Enterprise support; one setting per account.
   * @default - proactive engagement not configured
   */
  readonly proactiveEngagementContacts?: readonly EmergencyContact[];
}

const PROTECTABLE = /^arn:aws[a-z-]*:(cloudfront|route53|elasticloadbalancing|ec2|globalaccelerator):/;
const APP_LAYER =
  /^arn:aws[a-z-]*:(cloudfront::\d{12}:distribution\/|elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/app\/)/;

/**
 * Shield Advanced for a set of resources: one protection each, a Route 53 health check per resource
 * built from alarms that reflect real application health (health-based detection), automatic
 * application-layer mitigation starting in Count, one protection group, and optional proactive
 * engagement. It assumes the Shield Advanced subscription already exists: CloudFormation cannot
 * create it. Create it only when the configuration switch is on.
 */
export class DdosProtection extends Construct {
  /** Shield protections by resource name. */
  public readonly protections: Readonly<Record<string, shield.CfnProtection>>;
  /** Health checks by resource name (only resources with health alarms). */
  public readonly healthChecks: Readonly<Record<string, route53.CfnHealthCheck>>;
  /** The group of every protected resource, so that Shield detects an event on their combined traffic. */
  public readonly protectionGroup: shield.CfnProtectionGroup;
  /** Proactive engagement; undefined unless `proactiveEngagementContacts` were given. */
  public readonly proactiveEngagement?: shield.CfnProactiveEngagement;

  constructor(scope: Construct, id: string, props: DdosProtectionProps) {
    super(scope, id);
    validate(this, props);
    const action = props.applicationLayerAction ?? 'COUNT';
    const protections: Record<string, shield.CfnProtection> = {};
    const healthChecks: Record<string, route53.CfnHealthCheck> = {};
    const partition = Stack.of(this).partition;

    for (const resource of props.resources) {
      const healthCheck = this.healthCheckFor(resource);
      if (healthCheck) healthChecks[resource.name] = healthCheck;
      protections[resource.name] = new shield.CfnProtection(this, `${resource.name}Protection`, {
        name: resource.name,
        resourceArn: resource.resourceArn,
        healthCheckArns: healthCheck
          ? [`arn:${partition}:route53:::healthcheck/${healthCheck.attrHealthCheckId}`]
          : undefined,
        applicationLayerAutomaticResponseConfiguration: resource.applicationLayerMitigation
          ? { status: 'ENABLED', action: action === 'COUNT' ? { count: {} } : { block: {} } }
          : undefined,
      });
    }
    this.protections = protections;
    this.healthChecks = healthChecks;

    this.protectionGroup = new shield.CfnProtectionGroup(this, 'Group', {
      protectionGroupId:
        props.protectionGroupId ?? Names.uniqueResourceName(this, { maxLength: 36, separator: '-' }),
      aggregation: props.groupAggregation ?? 'MAX',
      pattern: 'ARBITRARY',
      members: props.resources.map((r) => r.resourceArn),
    });
    // A resource joins a group only once it is protected.
    for (const p of Object.values(protections)) this.protectionGroup.node.addDependency(p);

    if (props.proactiveEngagementContacts?.length) {
      this.proactiveEngagement = new shield.CfnProactiveEngagement(this, 'ProactiveEngagement', {
        proactiveEngagementStatus: 'ENABLED',
        emergencyContactList: props.proactiveEngagementContacts.map((c) => ({
          emailAddress: c.email,
          phoneNumber: c.phone,
          contactNotes: c.notes,
        })),
      });
      for (const p of Object.values(protections)) this.proactiveEngagement.node.addDependency(p);
    }
  }

  private healthCheckFor(resource: ProtectedResource): route53.CfnHealthCheck | undefined {
    const alarms = resource.healthAlarms ?? [];
    if (alarms.length === 0) return undefined;
    const alarmChecks = alarms.map(
      (alarm, i) =>
        new route53.CfnHealthCheck(this, `${resource.name}Alarm${i}Health`, {
          healthCheckConfig: {
            type: 'CLOUDWATCH_METRIC',
            alarmIdentifier: { name: alarm.alarmName, region: alarm.region },
            // Keep the last verdict while the metric is missing, rather than flapping to healthy.
            insufficientDataHealthStatus: 'LastKnownStatus',
          },
          healthCheckTags: [{ key: 'Name', value: `${resource.name} ${alarm.alarmName}` }],
        }),
    );
    if (alarmChecks.length === 1) return alarmChecks[0];
    return new route53.CfnHealthCheck(this, `${resource.name}Health`, {
      healthCheckConfig: {
        type: 'CALCULATED',
        childHealthChecks: alarmChecks.map((c) => c.attrHealthCheckId),
        // Healthy only while every signal is healthy.
        healthThreshold: alarmChecks.length,
      },
      healthCheckTags: [{ key: 'Name', value: `${resource.name} application health` }],
    });
  }
}

function validate(scope: Construct, props: DdosProtectionProps): void {
  const problems: string[] = [];
  if (props.resources.length === 0) {
    problems.push(
      'resources is empty. Fix: give at least one resource to protect, or do not create DdosProtection',
    );
  }
  const names = new Set<string>();
  props.resources.forEach((r, i) => {
    const at = `resources[${i}] ("${r.name}")`;
    if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(r.name)) {
      problems.push(`${at}: name must be letters, digits and "-". Fix: e.g. "booking-distribution"`);
    }
    if (names.has(r.name)) problems.push(`${at}: name is used twice. Fix: give each resource its own name`);
    names.add(r.name);
    if (!Token.isUnresolved(r.resourceArn)) {
      if (!PROTECTABLE.test(r.resourceArn)) {
        problems.push(
          `${at}: resourceArn "${r.resourceArn}" is not a resource Shield Advanced protects. Fix: use a CloudFront distribution, hosted zone, load balancer, Elastic IP or accelerator ARN`,
        );
      } else if (r.applicationLayerMitigation && !APP_LAYER.test(r.resourceArn)) {
        problems.push(
          `${at}: applicationLayerMitigation is on for "${r.resourceArn}". Fix: enable it only on CloudFront distributions and application load balancers`,
        );
      }
    }
  });
  const contacts = props.proactiveEngagementContacts ?? [];
  if (contacts.length > 10) {
    problems.push(`proactiveEngagementContacts has ${contacts.length} entries. Fix: keep at most 10`);
  }
  contacts.forEach((c, i) => {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(c.email)) {
      problems.push(`proactiveEngagementContacts[${i}].email is "${c.email}". Fix: use an e-mail address`);
    }
  });
  if (contacts.length > 0 && !props.resources.some((r) => (r.healthAlarms ?? []).length > 0)) {
    problems.push(
      'proactiveEngagementContacts is set but no resource has healthAlarms: the Shield Response Team engages on health checks. Fix: add healthAlarms',
    );
  }
  if (problems.length) throw new Error(`DdosProtection ${scope.node.path}: ${problems.join('; ')}`);
}
