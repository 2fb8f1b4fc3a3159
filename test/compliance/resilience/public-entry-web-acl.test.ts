import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { PublicEntryWebACL } from '../../../lib/compliance/resilience/rules';
import { testApp, testStack } from '../../helpers/synth';

const ACL_ARN =
  'arn:aws:wafv2:eu-west-3:111111111111:regional/webacl/acl/00000000-0000-0000-0000-000000000000';

function api(stack: Stack, type = apigw.EndpointType.REGIONAL) {
  const restApi = new apigw.RestApi(stack, 'Api', { endpointTypes: [type], cloudWatchRole: false });
  restApi.root.addMethod('GET', new apigw.MockIntegration());
  return restApi;
}

function alb(stack: Stack, internetFacing: boolean) {
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  return new elbv2.ApplicationLoadBalancer(stack, 'Lb', { vpc, internetFacing });
}

describe('RempartResilience-PublicEntryWebACL', () => {
  it('passes a CloudFront distribution with a web ACL and fires on one without', () => {
    const stack = testStack('us-east-1');
    const origin = new origins.HttpOrigin('origin.example.fr');
    const guarded = new cloudfront.Distribution(stack, 'Guarded', {
      defaultBehavior: { origin },
      webAclId: 'arn:aws:wafv2:us-east-1:111111111111:global/webacl/acl/0',
    });
    const open = new cloudfront.Distribution(stack, 'Open', { defaultBehavior: { origin } });
    expect(PublicEntryWebACL(guarded.node.defaultChild as cloudfront.CfnDistribution)).toBe(
      NagRuleCompliance.COMPLIANT,
    );
    expect(PublicEntryWebACL(open.node.defaultChild as cloudfront.CfnDistribution)).toBe(
      NagRuleCompliance.NON_COMPLIANT,
    );
  });

  it('fires on a distribution whose web ACL of the app blocks nothing (default Allow, every rule in Count)', () => {
    const stack = testStack('us-east-1');
    const visibility = { cloudWatchMetricsEnabled: true, metricName: 'm', sampledRequestsEnabled: true };
    const acl = (id: string, rules: wafv2.CfnWebACL.RuleProperty[]) =>
      new wafv2.CfnWebACL(stack, id, {
        scope: 'CLOUDFRONT',
        defaultAction: { allow: {} },
        visibilityConfig: visibility,
        rules,
      });
    const countOnly = acl('CountOnly', [
      {
        name: 'Common',
        priority: 0,
        overrideAction: { count: {} },
        visibilityConfig: visibility,
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' } },
      },
      {
        name: 'PerAddress',
        priority: 1,
        action: { count: {} },
        visibilityConfig: visibility,
        statement: { rateBasedStatement: { limit: 100, aggregateKeyType: 'IP' } },
      },
    ]);
    const enforcing = acl('Enforcing', [
      {
        name: 'Common',
        priority: 0,
        overrideAction: { none: {} },
        visibilityConfig: visibility,
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' } },
      },
    ]);
    const origin = new origins.HttpOrigin('origin.example.fr');
    const watched = new cloudfront.Distribution(stack, 'Watched', {
      defaultBehavior: { origin },
      webAclId: countOnly.attrArn,
    });
    const guarded = new cloudfront.Distribution(stack, 'Guarded', {
      defaultBehavior: { origin },
      webAclId: enforcing.attrArn,
    });
    expect(PublicEntryWebACL(watched.node.defaultChild as cloudfront.CfnDistribution)).toBe(
      NagRuleCompliance.NON_COMPLIANT,
    );
    expect(PublicEntryWebACL(guarded.node.defaultChild as cloudfront.CfnDistribution)).toBe(
      NagRuleCompliance.COMPLIANT,
    );
  });

  it('judges a raw CfnResource distribution by its type', () => {
    const stack = testStack('us-east-1');
    const raw = new CfnResource(stack, 'Raw', {
      type: 'AWS::CloudFront::Distribution',
      properties: { DistributionConfig: { Enabled: true } },
    });
    expect(PublicEntryWebACL(raw)).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it('passes a regional REST API stage associated with a web ACL', () => {
    const stack = testStack();
    const restApi = api(stack);
    new wafv2.CfnWebACLAssociation(stack, 'Assoc', {
      resourceArn: restApi.deploymentStage.stageArn,
      webAclArn: ACL_ARN,
    });
    const stage = restApi.deploymentStage.node.defaultChild as apigw.CfnStage;
    expect(PublicEntryWebACL(stage)).toBe(NagRuleCompliance.COMPLIANT);
  });

  it("fires on a Region's stage when only another Region's identical stage is associated", () => {
    const app = testApp();
    const guarded = api(new Stack(app, 'Paris', { env: { account: '111111111111', region: 'eu-west-3' } }));
    new wafv2.CfnWebACLAssociation(guarded.stack, 'Assoc', {
      resourceArn: guarded.deploymentStage.stageArn,
      webAclArn: ACL_ARN,
    });
    const bare = api(
      new Stack(app, 'Frankfurt', { env: { account: '111111111111', region: 'eu-central-1' } }),
    );
    expect(PublicEntryWebACL(guarded.deploymentStage.node.defaultChild as apigw.CfnStage)).toBe(
      NagRuleCompliance.COMPLIANT,
    );
    expect(PublicEntryWebACL(bare.deploymentStage.node.defaultChild as apigw.CfnStage)).toBe(
      NagRuleCompliance.NON_COMPLIANT,
    );
  });

  it('fires on a regional REST API stage without a web ACL', () => {
    const restApi = api(testStack());
    expect(PublicEntryWebACL(restApi.deploymentStage.node.defaultChild as apigw.CfnStage)).toBe(
      NagRuleCompliance.NON_COMPLIANT,
    );
  });

  it('does not apply to a private REST API', () => {
    const restApi = api(testStack(), apigw.EndpointType.PRIVATE);
    expect(PublicEntryWebACL(restApi.deploymentStage.node.defaultChild as apigw.CfnStage)).toBe(
      NagRuleCompliance.NOT_APPLICABLE,
    );
  });

  it('passes an internet-facing ALB with a web ACL and fires on one without', () => {
    const stack = testStack();
    const lb = alb(stack, true);
    const cfn = lb.node.defaultChild as elbv2.CfnLoadBalancer;
    expect(PublicEntryWebACL(cfn)).toBe(NagRuleCompliance.NON_COMPLIANT);
    new wafv2.CfnWebACLAssociation(stack, 'Assoc', { resourceArn: lb.loadBalancerArn, webAclArn: ACL_ARN });
    expect(PublicEntryWebACL(cfn)).toBe(NagRuleCompliance.COMPLIANT);
  });

  it('does not apply to an internal ALB', () => {
    const lb = alb(testStack(), false);
    expect(PublicEntryWebACL(lb.node.defaultChild as elbv2.CfnLoadBalancer)).toBe(
      NagRuleCompliance.NOT_APPLICABLE,
    );
  });
});
