import type { Assembly } from './assembly';
import { allResources, literals, localRefs, render, stackOutputReads, type Res } from './cfn';

/** Properties that carry a resource's physical name when the template sets it literally. */
const NAME_PROPERTIES = [
  'TableName',
  'QueueName',
  'FunctionName',
  'BucketName',
  'LogGroupName',
  'TopicName',
  'BackupVaultName',
  'AlarmName',
  'Name',
];

/**
 * Follows references between resources across templates: Ref/GetAtt inside a stack,
 * Fn::GetStackOutput to the resource behind the output, and literal physical names.
 */
export class Resolver {
  readonly resources: readonly Res[];
  private readonly byKey = new Map<string, Res>();
  private readonly byName = new Map<string, Res[]>();

  constructor(readonly assembly: Assembly) {
    this.resources = allResources(assembly);
    for (const r of this.resources) {
      this.byKey.set(key(r), r);
      for (const prop of NAME_PROPERTIES) {
        const v = r.props[prop];
        const name = typeof v === 'string' ? v : render(v);
        if (name && !name.includes('!') && !name.includes('${')) {
          const list = this.byName.get(name) ?? [];
          list.push(r);
          this.byName.set(name, list);
        }
      }
    }
  }

  get(stack: string, logicalId: string): Res | undefined {
    return this.byKey.get(`${stack}#${logicalId}`);
  }

  /** Resources a value points at, seen from `from`'s stack. */
  targets(value: unknown, from: Res): Res[] {
    const out = new Map<string, Res>();
    for (const id of localRefs(value)) {
      const r = this.get(from.stack.name, id);
      if (r) out.set(key(r), r);
    }
    for (const read of stackOutputReads(value)) {
      for (const r of this.outputTargets(read.stack, read.output)) out.set(key(r), r);
    }
    for (const text of literals(value)) {
      for (const r of this.byName.get(text) ?? []) out.set(key(r), r);
    }
    return [...out.values()];
  }

  /** What a stack output is made of (its Ref/GetAtt targets). */
  outputTargets(stackName: string, output: string): Res[] {
    const stack = this.assembly.stacks.find((s) => s.name === stackName);
    const value = (stack?.template.Outputs?.[output] as { Value?: unknown } | undefined)?.Value;
    return [...localRefs(value)].map((id) => this.get(stackName, id)).filter((r): r is Res => !!r);
  }

  /** Resources of the given types whose properties point at `target`. */
  referrers(target: Res, ...types: string[]): Res[] {
    return this.resources.filter(
      (r) =>
        (types.length === 0 || types.includes(r.type)) && this.targets(r.props, r).some((t) => t === target),
    );
  }
}

export function key(r: Res): string {
  return `${r.stack.name}#${r.logicalId}`;
}
