// RegionProbe: a CloudWatch Synthetics canary that proves every minute, with or without users, that
// one Region still answers, and the alarm Route 53 follows: a quiet Region stays healthy, a Region
// that stopped answering does not.
import { App, Stack } from 'aws-cdk-lib';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { RegionalFailover, RegionProbe } from '../lib'; // in your app: from 'rempart'

export function regionProbeExample(app: App): Stack {
  const stack = new Stack(app, 'RegionProbeExample', { env: { region: 'eu-west-3' } });
  const probe = new RegionProbe(stack, 'Probe', {
    canaryName: 'my-service-eu-west-3',
    alarmName: 'MyService-eu-west-3-Probe',
    checks: [
      {
        name: 'read',
        // This Region's own API name, not the latency or failover name: the probe must not fail over.
        url: 'https://api.eu-west-3.rdv.example.fr/api/centres',
        // The origin answers only requests carrying its secret header (RegionalApiOrigin); the value is
        // read at run time, so a rotation needs no deploy.
        originHeader: {
          name: 'x-origin-verify-eu-west-3',
          secret: secretsmanager.Secret.fromSecretNameV2(
            stack,
            'OriginSecret',
            'my-service/origin-verify/eu-west-3',
          ),
        },
      },
    ],
  });
  // Page the on-call team (e.g. RegionalObservability.topic) when the Region stops answering.
  const onCall = sns.Topic.fromTopicArn(
    stack,
    'OnCall',
    'arn:aws:sns:eu-west-3:111122223333:my-service-on-call',
  );
  probe.alarm.addAlarmAction(new actions.SnsAction(onCall));
  // The probe runs whatever the traffic, so missing data means the Region stopped answering.
  new RegionalFailover(stack, 'Failover', {
    hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      zoneName: 'example.fr',
    }),
    healthSignals: [{ alarm: probe.alarm, whenMissing: route53.InsufficientDataHealthStatusEnum.UNHEALTHY }],
    records: [{ recordName: 'origin.rdv.example.fr', target: 'api.eu-west-3.rdv.example.fr' }],
  });
  return stack;
}
