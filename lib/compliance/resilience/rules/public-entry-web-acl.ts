import type { CfnResource } from 'aws-cdk-lib';
import { CfnRestApi, CfnStage } from 'aws-cdk-lib/aws-apigateway';
import { CfnDistribution } from 'aws-cdk-lib/aws-cloudfront';
import { CfnLoadBalancer } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { allResources, asArray, field, flatten, logicalIdOf, mentions, resolveIn } from '../private/cfn';

/**
 * Every public entry point is behind a WAF web ACL: CloudFront distributions (`WebACLId`), regional
 * REST API stages and internet-facing Application Load Balancers (an `AWS::WAFv2::WebACLAssociation`
 * in the app). Private APIs and internal load balancers are not entry points.
 */
export function PublicEntryWebACL(node: CfnResource): NagRuleResult {
  if (node instanceof CfnDistribution) {
    const webAcl = flatten(field(resolveIn(node, node.distributionConfig), 'webAclId'));
    return webAcl ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  }
  if (node instanceof CfnStage) {
    const apiRef = flatten(resolveIn(node, node.restApiId));
    const api = allResources(node).find(
      (r): r is CfnRestApi =>
        r instanceof CfnRestApi && r.stack === node.stack && mentions(apiRef, logicalIdOf(r)),
    );
    const types = asArray(field(resolveIn(node, api?.endpointConfiguration), 'types'));
    if (types.length > 0 && types.every((t) => t === 'PRIVATE')) return NagRuleCompliance.NOT_APPLICABLE;
    const stageName = resolveIn(node, node.stageName);
    const stageId = logicalIdOf(node);
    return associated(
      node,
      (arn) =>
        mentions(arn, stageId) ||
        (typeof stageName === 'string' && arn.includes(`/restapis/${apiRef}/stages/${stageName}`)),
    );
  }
  if (node instanceof CfnLoadBalancer) {
    const type = resolveIn(node, node.type) ?? 'application';
    const scheme = resolveIn(node, node.scheme) ?? 'internet-facing';
    if (type !== 'application' || scheme !== 'internet-facing') return NagRuleCompliance.NOT_APPLICABLE;
    const lbId = logicalIdOf(node);
    return associated(node, (arn) => mentions(arn, lbId));
  }
  return NagRuleCompliance.NOT_APPLICABLE;
}

function associated(node: CfnResource, matches: (resourceArn: string) => boolean): NagRuleResult {
  // A regional association lives next to what it guards: another Region's stack holds resources
  // with the same logical ids, so only this stack's associations count.
  const found = allResources(node).some(
    (r) =>
      r instanceof CfnWebACLAssociation &&
      r.stack === node.stack &&
      matches(flatten(resolveIn(node, r.resourceArn))),
  );
  return found ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}
