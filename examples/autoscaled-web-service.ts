// AutoscaledWebService: a containerised web application on Fargate across three Availability
// Zones, behind an internal load balancer that only CloudFront can reach, scaled on requests and
// CPU, and pre-scaled for a predictable morning peak.
import { App, Stack, TimeZone } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { AutoscaledWebService } from '../lib'; // in your app: from 'rempart'

const ZONES = ['eu-west-3a', 'eu-west-3b', 'eu-west-3c'];

/**
 * With a concrete account, CDK's Vpc checks the zones it is given against the stack's, and the
 * stack's are a context lookup (credentials at synth): name them here instead.
 */
class ParisStack extends Stack {
  override get availabilityZones(): string[] {
    return ZONES;
  }
}

export function autoscaledWebServiceExample(app: App): Stack {
  const stack = new ParisStack(app, 'AutoscaledWebServiceExample', {
    env: { account: '111122223333', region: 'eu-west-3' },
  });
  new AutoscaledWebService(stack, 'Portal', {
    // Named explicitly: synthesis stays offline and the static-stability floor assumes three zones.
    availabilityZones: ZONES,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx-unprivileged:stable'),
    containerPort: 8080,
    user: '101',
    certificate: acm.Certificate.fromCertificateArn(
      stack,
      'OriginCertificate',
      'arn:aws:acm:eu-west-3:111122223333:certificate/11111111-2222-3333-4444-555555555555',
    ),
    // com.amazonaws.global.cloudfront.origin-facing in eu-west-3; check it in your account:
    // aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing
    originPrefixListId: 'pl-75b1541c',
    capacity: {
      // Three zones: 9 tasks keep 6 (what off-peak needs) running when one zone is lost.
      minTasks: 9,
      maxTasks: 180,
      requestsPerTargetPerMinute: 10_500,
      schedules: [
        {
          id: 'SchoolMorning',
          schedule: appscaling.Schedule.cron({ minute: '15', hour: '7', weekDay: 'MON-FRI' }),
          timeZone: TimeZone.EUROPE_PARIS,
          minTasks: 120,
        },
        {
          id: 'AfterPeak',
          schedule: appscaling.Schedule.cron({ minute: '30', hour: '9', weekDay: 'MON-FRI' }),
          timeZone: TimeZone.EUROPE_PARIS,
          minTasks: 9,
        },
      ],
    },
  });
  return stack;
}
