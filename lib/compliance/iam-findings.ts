import { Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/** One wildcard finding of AwsSolutions-IAM5 (`Action::…` or `Resource::…`) and the statement it comes from. */
export interface WildcardFinding {
  /** The finding as cdk-nag spells it after `AwsSolutions-IAM5[…]`, e.g. `Resource::<Table.Arn>/index/*`. */
  readonly finding: string;
  /**
   * Sid of the first statement that produces the finding, to look up the reason written for it.
   * @default - the statement has no Sid
   */
  readonly sid?: string;
}

/**
 * The granular AwsSolutions-IAM5 findings that `statements` will produce, spelled as cdk-nag spells
 * them (references flattened to `<Id>`, `<Id.Attr>`), so that a construct can acknowledge each
 * exactly, with the reason of its statement, instead of a blanket `Resource::*`. Deny statements
 * produce none.
 */
export function wildcardFindings(
  scope: IConstruct,
  statements: readonly iam.PolicyStatement[],
): WildcardFinding[] {
  const stack = Stack.of(scope);
  const out = new Map<string, WildcardFinding>();
  for (const statement of statements) {
    const json = stack.resolve(statement.toStatementJson()) as {
      Sid?: string;
      Effect?: string;
      Action?: unknown;
      Resource?: unknown;
    };
    if (json.Effect !== 'Allow') continue;
    const add = (finding: string) => {
      if (!out.has(finding)) out.set(finding, { finding, sid: json.Sid });
    };
    for (const action of asArray(json.Action).map(flattenReference))
      if (action.includes('*')) add(`Action::${action}`);
    for (const resource of asArray(json.Resource).map(flattenReference))
      if (resource.includes('*')) add(`Resource::${resource}`);
  }
  return [...out.values()];
}

const asArray = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** cdk-nag's own flattening of CloudFormation references (utils/flatten-cfn-reference). */
export function flattenReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\${/g, '<').replace(/}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flattenReference).join(delimiter);
    }
    if ('Fn::Sub' in o) return flattenReference(o['Fn::Sub']);
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
    }
    if ('Fn::ImportValue' in o) return flattenReference(o['Fn::ImportValue']);
    if ('Ref' in o) return `<${flattenReference(o.Ref)}>`;
  }
  return JSON.stringify(node);
}
