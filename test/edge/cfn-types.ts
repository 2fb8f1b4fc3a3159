import type { Template } from 'aws-cdk-lib/assertions';

/** The parts of synthesized CloudFront and WAF resources that the edge tests read. */
export interface CfnBehavior {
  readonly PathPattern?: string;
  readonly TargetOriginId: string;
  readonly AllowedMethods: string[];
  readonly CachePolicyId: unknown;
  readonly ViewerProtocolPolicy: string;
  readonly ResponseHeadersPolicyId: unknown;
  readonly FunctionAssociations?: ReadonlyArray<{ EventType: string; FunctionARN: unknown }>;
}

export interface CfnOrigin {
  readonly Id: string;
  readonly DomainName: unknown;
  readonly CustomOriginConfig?: Record<string, unknown>;
  readonly S3OriginConfig?: Record<string, unknown>;
  readonly OriginAccessControlId?: unknown;
  readonly OriginCustomHeaders?: unknown;
}

export interface CfnOriginGroup {
  readonly Id: string;
  readonly FailoverCriteria: { readonly StatusCodes: { readonly Items: number[] } };
}

export interface CfnDistributionConfig {
  readonly DefaultCacheBehavior: CfnBehavior;
  readonly CacheBehaviors: CfnBehavior[];
  readonly Origins: CfnOrigin[];
  readonly OriginGroups: { readonly Items: CfnOriginGroup[] };
  readonly CustomErrorResponses: unknown[];
  readonly [key: string]: unknown;
}

export interface CfnRateBasedStatement {
  readonly Limit: number;
  readonly EvaluationWindowSec: number;
  readonly AggregateKeyType: string;
  readonly CustomKeys?: unknown[];
  readonly ScopeDownStatement?: unknown;
}

export interface CfnWafRule {
  readonly Name: string;
  readonly Priority: number;
  readonly Action?: unknown;
  readonly OverrideAction?: unknown;
  readonly Statement: {
    readonly RateBasedStatement?: CfnRateBasedStatement;
    readonly ManagedRuleGroupStatement?: { readonly Name: string; readonly [key: string]: unknown };
  };
}

export function distributionConfig(template: Template): CfnDistributionConfig {
  const [dist] = Object.values(template.findResources('AWS::CloudFront::Distribution')) as Array<{
    Properties: { DistributionConfig: CfnDistributionConfig };
  }>;
  return dist.Properties.DistributionConfig;
}

export function behavior(config: CfnDistributionConfig, pathPattern: string): CfnBehavior {
  const found = config.CacheBehaviors.find((b) => b.PathPattern === pathPattern);
  if (!found) throw new Error(`no behaviour for ${pathPattern}`);
  return found;
}

export function webAclRules(template: Template): CfnWafRule[] {
  const [acl] = Object.values(template.findResources('AWS::WAFv2::WebACL')) as Array<{
    Properties: { Rules: CfnWafRule[] };
  }>;
  return acl.Properties.Rules;
}
