import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import {
  asArray,
  cfnOf,
  field,
  flatten,
  logicalIdOf,
  mentions,
  resourcesOfType,
  type CfnView,
} from '../private/cfn';

const ENFORCING_ACTIONS = ['Block', 'Captcha', 'Challenge'];

/**
 * Every public entry point is behind a WAF web ACL that enforces something: CloudFront
 * distributions (`WebACLId`), regional REST API stages and internet-facing Application Load
 * Balancers (an `AWS::WAFv2::WebACLAssociation` in the app). A web ACL of the app whose default
 * action allows and whose every rule only counts protects nothing, so it does not count. Private
 * APIs and internal load balancers are not entry points. Resources are recognised by their
 * CloudFormation type, whichever class created them.
 */
export function PublicEntryWebACL(node: CfnResource): NagRuleResult {
  switch (node.cfnResourceType) {
    case 'AWS::CloudFront::Distribution': {
      const webAcl = flatten(field(field(cfnOf(node).properties, 'DistributionConfig'), 'WebACLId'));
      return webAcl && enforces(node, webAcl) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
    }
    case 'AWS::ApiGateway::Stage': {
      const stage = cfnOf(node).properties;
      const apiRef = flatten(field(stage, 'RestApiId'));
      const api = sameStack(node, 'AWS::ApiGateway::RestApi').find((r) =>
        mentions(apiRef, logicalIdOf(r.node)),
      );
      const types = asArray(field(field(api?.properties, 'EndpointConfiguration'), 'Types'));
      if (types.length > 0 && types.every((t) => t === 'PRIVATE')) return NagRuleCompliance.NOT_APPLICABLE;
      const stageName = field(stage, 'StageName');
      const stageId = logicalIdOf(node);
      return associated(
        node,
        (arn) =>
          mentions(arn, stageId) ||
          (typeof stageName === 'string' && arn.includes(`/restapis/${apiRef}/stages/${stageName}`)),
      );
    }
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer': {
      const lb = cfnOf(node).properties;
      const type = field(lb, 'Type') ?? 'application';
      const scheme = field(lb, 'Scheme') ?? 'internet-facing';
      if (type !== 'application' || scheme !== 'internet-facing') return NagRuleCompliance.NOT_APPLICABLE;
      const lbId = logicalIdOf(node);
      return associated(node, (arn) => mentions(arn, lbId));
    }
    default:
      return NagRuleCompliance.NOT_APPLICABLE;
  }
}

function sameStack(node: CfnResource, type: string): CfnView[] {
  return resourcesOfType(node, type, node).filter((r) => r.node.stack === node.stack);
}

/**
 * True unless `webAclRef` names a web ACL of the same stack that blocks nothing: default action
 * Allow, every rule in Count and every managed group overridden to Count. An ARN from elsewhere
 * cannot be read and is trusted.
 */
function enforces(node: CfnResource, webAclRef: string): boolean {
  const acl = sameStack(node, 'AWS::WAFv2::WebACL').find((r) => mentions(webAclRef, logicalIdOf(r.node)));
  if (!acl) return true;
  const present = (v: unknown) => v !== undefined && v !== null;
  if (present(field(field(acl.properties, 'DefaultAction'), 'Block'))) return true;
  return asArray(field(acl.properties, 'Rules')).some((rule) => {
    const action = field(rule, 'Action');
    if (ENFORCING_ACTIONS.some((a) => present(field(action, a)))) return true;
    return present(field(field(rule, 'OverrideAction'), 'None'));
  });
}

function associated(node: CfnResource, matches: (resourceArn: string) => boolean): NagRuleResult {
  // A regional association lives next to what it guards: another Region's stack holds resources
  // with the same logical ids, so only this stack's associations count.
  const found = sameStack(node, 'AWS::WAFv2::WebACLAssociation').some((a) => {
    const props = a.properties;
    return (
      matches(flatten(field(props, 'ResourceArn'))) && enforces(node, flatten(field(props, 'WebACLArn')))
    );
  });
  return found ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}
