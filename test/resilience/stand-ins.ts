import { Duration, Stack, type App } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { WorkloadResilience } from '../../lib/platform/workload';

/**
 * Stand-in workload resources of one Region, shaped like what the booking and ENT stacks expose,
 * so that the resilience constructs are tested without depending on the workload stacks' code.
 * The worker is imported by name (no bundling); everything else is a real resource.
 */
export function standInWorkloads(
  app: App,
  region: string,
): { stack: Stack; booking: WorkloadResilience; ent: WorkloadResilience } {
  const stack = new Stack(app, `Workload-${region}`, { env: { account: '111111111111', region } });
  const restApi = new apigw.RestApi(stack, 'Api', {
    cloudWatchRole: false,
    endpointTypes: [apigw.EndpointType.REGIONAL],
  });
  restApi.root.addMethod('GET', new apigw.MockIntegration());
  const deadLetterQueue = new sqs.Queue(stack, 'Dlq', { enforceSSL: true });
  const queue = new sqs.Queue(stack, 'Queue', {
    enforceSSL: true,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
  });
  const worker = lambda.Function.fromFunctionName(stack, 'Worker', 'booking-worker');
  const table = new dynamodb.TableV2(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 3, natGateways: 0 });
  const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Lb', { vpc, internetFacing: false });
  const targetGroup = new elbv2.ApplicationTargetGroup(stack, 'Targets', {
    vpc,
    port: 8080,
    targetType: elbv2.TargetType.IP,
  });
  loadBalancer.addListener('Http', { port: 80, defaultTargetGroups: [targetGroup] });
  const originSecret = new secretsmanager.Secret(stack, 'OriginSecret');
  return {
    stack,
    booking: {
      apis: [
        { workload: 'Booking', restApi, healthMethods: [{ resourcePath: '/api/bookings', method: 'POST' }] },
      ],
      probes: [
        {
          workload: 'Booking',
          checks: [
            {
              name: 'read',
              url: restApi.urlForPath('/api/progress'),
              originHeader: { name: 'x-origin-verify', secret: originSecret },
            },
          ],
          heartbeat: {
            table,
            partitionKey: { name: 'pk', value: 'rempart#probe' },
          },
        },
      ],
      queues: [{ workload: 'Booking', label: 'Bookings', queue, deadLetterQueue }],
      functions: [{ workload: 'Booking', label: 'Worker', function: worker, timeout: Duration.seconds(30) }],
      tables: [{ workload: 'Booking', label: 'Bookings', table, replicaRegions: ['eu-central-1'] }],
      backedUp: { tableNames: ['Rempart-dev-booking'], bucketNames: ['rempart-dev-booking-site-*'] },
      originRecord: {
        recordName: 'origin.rdv.rempart-demo.fr',
        target: `${restApi.restApiId}.execute-api.${region}.amazonaws.com`,
      },
    },
    ent: {
      webServices: [
        {
          workload: 'Ent',
          loadBalancer,
          targetGroup,
          service: { serviceName: 'ent-web', cluster: { clusterName: 'ent' } },
        },
      ],
      tables: [{ workload: 'Ent', label: 'Sessions', table, replicaRegions: ['eu-central-1'] }],
      probes: [
        {
          workload: 'Ent',
          heartbeat: {
            table,
            partitionKey: { name: 'pk', value: 'rempart#probe' },
            expiresAttribute: 'expiresAt',
          },
        },
      ],
      originRecord: { recordName: 'origin.ent.rempart-demo.fr', target: loadBalancer.loadBalancerDnsName },
      availabilityZones: ['eu-west-3a', 'eu-west-3b', 'eu-west-3c'],
    },
  };
}
