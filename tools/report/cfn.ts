import { RESILIENCE_TAG_KEYS } from '../../lib/platform/resilience-stack';
import { isRecord, type Assembly, type CfnResource, type StackArtifact } from './assembly';

/** One resource of one template, with where it came from: the unit every section reports on. */
export interface Res {
  readonly stack: StackArtifact;
  readonly logicalId: string;
  readonly type: string;
  readonly props: Record<string, unknown>;
  readonly resource: CfnResource;
  /** Construct path, when the metadata recorded one. */
  readonly path?: string;
}

/** Evidence pointer an auditor can open: template file, logical id, property path. */
export interface Evidence {
  readonly template: string;
  readonly stack: string;
  readonly region: string;
  readonly logicalId: string;
  readonly type: string;
  readonly propertyPath: string;
  /** The value found there, rendered (intrinsics shown as text); absent when the property is missing. */
  readonly value?: string;
}

export function allResources(assembly: Assembly): Res[] {
  const out: Res[] = [];
  for (const stack of assembly.stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
      out.push({
        stack,
        logicalId,
        type: resource.Type,
        props: isRecord(resource.Properties) ? resource.Properties : {},
        resource,
        path: stack.pathByLogicalId.get(logicalId),
      });
    }
  }
  return out;
}

export function ofType(resources: readonly Res[], ...types: string[]): Res[] {
  return resources.filter((r) => types.includes(r.type));
}

/** Value at a dotted path (`A.B.0.C`); undefined when any step is missing. */
export function at(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const part of path.split('.').filter(Boolean)) {
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isRecord(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

export function evidence(res: Res, propertyPath: string, value?: unknown): Evidence {
  const found = value === undefined ? at(res.props, propertyPath) : value;
  return {
    template: res.stack.templateFile,
    stack: res.stack.name,
    region: res.stack.region,
    logicalId: res.logicalId,
    type: res.type,
    propertyPath: propertyPath ? `Properties.${propertyPath}` : '(resource)',
    value: found === undefined ? undefined : render(found),
  };
}

/** Resource-level attribute (DeletionPolicy, ...) as evidence. */
export function attributeEvidence(res: Res, attribute: 'DeletionPolicy' | 'UpdateReplacePolicy'): Evidence {
  const value = res.resource[attribute];
  return {
    template: res.stack.templateFile,
    stack: res.stack.name,
    region: res.stack.region,
    logicalId: res.logicalId,
    type: res.type,
    propertyPath: attribute,
    value: value === undefined ? undefined : String(value),
  };
}

/**
 * A CloudFormation value as one line of text: literals as they are, intrinsics in the short form an
 * auditor reads in the console (`!Ref X`, `!GetAtt X.Arn`, `!GetStackOutput Stack(Region).Output`).
 */
export function render(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (depth > 6) return '…';
  if (Array.isArray(value)) return `[${value.map((v) => render(v, depth + 1)).join(', ')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const arg = value[key];
      switch (key) {
        case 'Ref':
          return `!Ref ${render(arg, depth + 1)}`;
        case 'Fn::GetAtt':
          return `!GetAtt ${Array.isArray(arg) ? arg.map((a) => render(a, depth + 1)).join('.') : render(arg, depth + 1)}`;
        case 'Fn::Join':
          if (Array.isArray(arg) && Array.isArray(arg[1])) {
            // Written the way Fn::Sub would: ${AWS::AccountId}, ${Bucket.Arn}.
            return arg[1]
              .map((p) =>
                typeof p === 'string' ? p : `\${${render(p, depth + 1).replace(/^!(Ref|GetAtt) /, '')}}`,
              )
              .join(render(arg[0], depth + 1));
          }
          break;
        case 'Fn::GetStackOutput':
          if (isRecord(arg)) {
            return `!GetStackOutput ${render(arg.StackName, depth + 1)}(${render(arg.Region, depth + 1)}).${render(arg.OutputName, depth + 1)}`;
          }
          break;
        case 'Fn::Sub':
          return Array.isArray(arg) ? render(arg[0], depth + 1) : render(arg, depth + 1);
        default:
          if (key.startsWith('Fn::')) return `!${key.slice(4)} ${render(arg, depth + 1)}`;
      }
    }
    return `{${keys.map((k) => `${k}: ${render(value[k], depth + 1)}`).join(', ')}}`;
  }
  return typeof value === 'bigint' || typeof value === 'symbol' ? value.toString() : '';
}

/** Tags of a resource whatever the property's shape (list of Key/Value, map, replica tags). */
export function tagsOf(res: Res): Map<string, string> {
  const tags = new Map<string, string>();
  const add = (raw: unknown) => {
    if (Array.isArray(raw)) {
      for (const t of raw) {
        if (isRecord(t) && typeof t.Key === 'string') tags.set(t.Key, render(t.Value));
      }
    } else if (isRecord(raw)) {
      for (const [k, v] of Object.entries(raw)) tags.set(k, render(v));
    }
  };
  for (const key of ['Tags', 'HealthCheckTags', 'BackupVaultTags', 'BackupPlanTags', 'UserPoolTags'])
    add(res.props[key]);
  // Global tables carry their tags per replica.
  if (Array.isArray(res.props.Replicas)) {
    for (const r of res.props.Replicas) if (isRecord(r)) add(r.Tags);
  }
  return tags;
}

/** Workload a resource belongs to (its `rempart:workload` tag), if any. */
export function workloadOf(res: Res): string | undefined {
  return tagsOf(res).get(RESILIENCE_TAG_KEYS.workload);
}

/**
 * Workload of each stack: the workload tag most of its tagged resources carry. Shared stacks (edge,
 * resilience, vault) carry none and map to undefined.
 */
export function stackWorkloads(resources: readonly Res[]): Map<string, string | undefined> {
  const counts = new Map<string, Map<string, number>>();
  for (const r of resources) {
    const w = workloadOf(r);
    if (!w) continue;
    const c = counts.get(r.stack.name) ?? new Map<string, number>();
    c.set(w, (c.get(w) ?? 0) + 1);
    counts.set(r.stack.name, c);
  }
  const out = new Map<string, string | undefined>();
  for (const r of resources) {
    const c = counts.get(r.stack.name);
    out.set(r.stack.name, c ? [...c].sort((a, b) => b[1] - a[1])[0]?.[0] : undefined);
  }
  return out;
}

/** Every `Fn::GetStackOutput` inside a value: the cross-stack (and cross-Region) reads of a resource. */
export function stackOutputReads(value: unknown): { stack: string; region: string; output: string }[] {
  const out: { stack: string; region: string; output: string }[] = [];
  walk(value, (node) => {
    const arg = node['Fn::GetStackOutput'];
    if (isRecord(arg)) {
      out.push({ stack: render(arg.StackName), region: render(arg.Region), output: render(arg.OutputName) });
    }
  });
  return out;
}

/** Logical ids referenced with Ref / GetAtt inside a value. */
export function localRefs(value: unknown): Set<string> {
  const out = new Set<string>();
  walk(value, (node) => {
    if (typeof node.Ref === 'string' && !node.Ref.startsWith('AWS::')) out.add(node.Ref);
    const ga = node['Fn::GetAtt'];
    if (Array.isArray(ga) && typeof ga[0] === 'string') out.add(ga[0]);
    else if (typeof ga === 'string') out.add(ga.split('.')[0] ?? ga);
  });
  return out;
}

/** Every string literal inside a value (names compared across stacks, ARNs, Regions). */
export function literals(value: unknown): string[] {
  const out: string[] = [];
  const visit = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (isRecord(v)) Object.values(v).forEach(visit);
  };
  visit(value);
  return out;
}

/** Breadth-first, in document order, so that the first reference found is the first one written. */
function walk(value: unknown, visit: (node: Record<string, unknown>) => void): void {
  const pending: unknown[] = [value];
  for (let i = 0; i < pending.length; i++) {
    const v = pending[i];
    if (Array.isArray(v)) pending.push(...(v as unknown[]));
    else if (isRecord(v)) {
      visit(v);
      pending.push(...Object.values(v));
    }
  }
}

/** The Region written in an ARN-like string or a Join of one (`arn:aws:backup:eu-west-1:…`). */
export function regionInArn(value: unknown): string | undefined {
  const text = render(value);
  const match = /^arn:[^:]*:[^:]*:([a-z]{2}(?:-[a-z]+)+-\d):/.exec(text);
  return match?.[1];
}

/** A number from a template value (CloudFormation often writes numbers as strings). */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}
