import { CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Helpers shared by the resilience rules. Rules stay pure functions of one CfnResource; when they
 * need a neighbour (the alarm that watches a queue, the vault a plan copies to) they read the
 * construct tree the resource belongs to, as cdk-nag's own SQS3 rule does.
 *
 * Rules decide on the CloudFormation resource type and the properties that will be synthesized
 * (`cfnOf`), never on `instanceof` an L1 class: CDK's own custom resources and any raw
 * `new CfnResource(scope, id, { type, properties })` are plain CfnResource instances, and
 * `addPropertyOverride` escape hatches change the template without changing the L1 fields.
 */

/** Resolve a value as the stack of `owner` sees it: references to `owner`'s own resources stay `Ref`/`GetAtt`. */
export function resolveIn(owner: IConstruct, value: unknown): unknown {
  try {
    return Stack.of(owner).resolve(value);
  } catch {
    return undefined;
  }
}

/** Read an L1 property object in either the CDK (camelCase) or CloudFormation (PascalCase) spelling. */
export function field(obj: unknown, camelName: string): unknown {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const record = obj as Record<string, unknown>;
  if (camelName in record) return record[camelName];
  const pascal = camelName.charAt(0).toUpperCase() + camelName.slice(1);
  return record[pascal];
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * A CloudFormation value as one string: `Ref` becomes `<Id>`, `Fn::GetAtt` `<Id.Attr>`, `Fn::Join`
 * is joined, so that ARNs and names can be compared whatever intrinsic built them.
 */
export function flatten(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(flatten).join(',');
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('Ref' in o) return `<${flatten(o.Ref)}>`;
    if ('Fn::GetAtt' in o) {
      const att = o['Fn::GetAtt'];
      return Array.isArray(att) ? `<${att.map(flatten).join('.')}>` : `<${flatten(att)}>`;
    }
    if ('Fn::Join' in o) {
      const join = o['Fn::Join'];
      if (Array.isArray(join) && typeof join[0] === 'string')
        return asArray(join[1]).map(flatten).join(join[0]);
    }
    if ('Fn::ImportValue' in o) return `<import:${flatten(o['Fn::ImportValue'])}>`;
    if ('Fn::Sub' in o) return flatten(o['Fn::Sub']);
  }
  return JSON.stringify(value);
}

/** Every L1 resource of the app the node belongs to. */
export function allResources(node: IConstruct): CfnResource[] {
  return node.node.root.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
}

/** The logical id of a resource, resolved in its own stack. */
export function logicalIdOf(node: CfnResource): string {
  return flatten(resolveIn(node, node.logicalId));
}

/** Region of the stack a construct is in, or undefined when it is not a literal. */
export function regionOf(node: IConstruct): string | undefined {
  const region = Stack.of(node).region;
  return /^[a-z]{2}(-[a-z]+)+-\d$/.test(region) ? region : undefined;
}

/** True when `text` mentions the resource `logicalId` as a whole reference (`<Id>` or `<Id.Attr>`). */
export function mentions(text: string, logicalId: string): boolean {
  return text.includes(`<${logicalId}>`) || text.includes(`<${logicalId}.`);
}

/** A resource as CloudFormation will receive it: its type and its synthesized properties. */
export interface CfnView {
  readonly node: CfnResource;
  readonly type: string;
  /** PascalCase properties, overrides applied, tokens resolved (references as Ref/Fn::GetAtt). */
  readonly properties: Record<string, unknown>;
}

interface Renderable {
  _toCloudFormation(): { Resources?: Record<string, { Type?: string; Properties?: unknown }> };
}

/**
 * The synthesized form of `node`, resolved as the stack of `perspective` (default: its own) sees it,
 * so that references to that stack's resources stay `Ref`/`Fn::GetAtt` of their logical ids.
 */
export function cfnOf(node: CfnResource, perspective: IConstruct = node): CfnView {
  let properties: Record<string, unknown> = {};
  try {
    const rendered = resolveIn(perspective, (node as unknown as Renderable)._toCloudFormation());
    const entry = Object.values((rendered as { Resources?: Record<string, unknown> })?.Resources ?? {})[0];
    const props = field(entry, 'properties');
    if (typeof props === 'object' && props !== null) properties = props as Record<string, unknown>;
  } catch {
    // An unresolvable value reads as absent: the rule then reports what it cannot prove.
  }
  return { node, type: node.cfnResourceType, properties };
}

/** Every resource of the app with this CloudFormation type, whatever class created it. */
export function resourcesOfType(scope: IConstruct, type: string, perspective: IConstruct = scope): CfnView[] {
  return allResources(scope)
    .filter((r) => r.cfnResourceType === type)
    .map((r) => cfnOf(r, perspective));
}
