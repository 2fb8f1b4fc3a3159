// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped CloudFormation JSON
type Cfn = Record<string, any>;

const REFERENCE = 'https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html';

/**
 * What AWS FIS needs for each action Rempart uses, copied from the FIS actions reference (read
 * December 2026), not from Rempart's code: the role's permissions and the target resource type.
 * `dynamodb:InjectError` is listed as "only required if you are targeting MRSC global tables";
 * Rempart's booking table is MRSC, so it is required here.
 */
export const FIS_ACTIONS: Record<
  string,
  { readonly permissions: readonly string[]; readonly resourceType: string; readonly url: string }
> = {
  'aws:network:disrupt-connectivity': {
    resourceType: 'aws:ec2:subnet',
    permissions: [
      'ec2:CreateNetworkAcl',
      'ec2:CreateNetworkAclEntry',
      'ec2:CreateTags',
      'ec2:DeleteNetworkAcl',
      'ec2:DescribeManagedPrefixLists',
      'ec2:DescribeNetworkAcls',
      'ec2:DescribeSubnets',
      'ec2:DescribeVpcs',
      'ec2:GetManagedPrefixListEntries',
      'ec2:ReplaceNetworkAclAssociation',
    ],
    url: `${REFERENCE}#disrupt-connectivity`,
  },
  'aws:ecs:stop-task': {
    resourceType: 'aws:ecs:task',
    permissions: ['ecs:DescribeTasks', 'ecs:ListTasks', 'ecs:StopTask', 'tag:GetResources'],
    url: `${REFERENCE}#stop-task`,
  },
  'aws:dynamodb:global-table-pause-replication': {
    resourceType: 'aws:dynamodb:global-table',
    permissions: [
      'dynamodb:PutResourcePolicy',
      'dynamodb:DeleteResourcePolicy',
      'dynamodb:GetResourcePolicy',
      'dynamodb:DescribeTable',
      'tag:GetResources',
      'dynamodb:InjectError',
    ],
    url: `${REFERENCE}#dynamodb-actions-reference`,
  },
  'aws:lambda:invocation-error': {
    resourceType: 'aws:lambda:function',
    permissions: ['s3:PutObject', 's3:DeleteObject', 'lambda:GetFunction', 'tag:GetResources'],
    url: `${REFERENCE}#invocation-error`,
  },
  'aws:lambda:invocation-add-delay': {
    resourceType: 'aws:lambda:function',
    permissions: ['s3:PutObject', 's3:DeleteObject', 'lambda:GetFunction', 'tag:GetResources'],
    url: `${REFERENCE}#invocation-add-delay`,
  },
};

function refId(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as Cfn;
    if (typeof v.Ref === 'string') return v.Ref;
    if (Array.isArray(v['Fn::GetAtt'])) return v['Fn::GetAtt'][0] as string;
  }
  return undefined;
}

function grants(action: string, statementActions: unknown): boolean {
  return [statementActions].flat().some((a) => {
    if (typeof a !== 'string') return false;
    const pattern = new RegExp(`^${a.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
    return pattern.test(action);
  });
}

/** Allow statements of every policy (managed or inline) attached to the role with this logical id. */
function roleStatements(resources: Cfn, roleId: string): Cfn[] {
  const out: Cfn[] = [];
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::IAM::ManagedPolicy' && r.Type !== 'AWS::IAM::Policy') continue;
    const roles = (r.Properties?.Roles ?? []) as unknown[];
    if (!roles.some((x) => refId(x) === roleId)) continue;
    out.push(...((r.Properties.PolicyDocument?.Statement ?? []) as Cfn[]));
  }
  const role = resources[roleId] as Cfn | undefined;
  for (const p of (role?.Properties?.Policies ?? []) as Cfn[])
    out.push(...((p.PolicyDocument?.Statement ?? []) as Cfn[]));
  return out.filter((s) => s.Effect === 'Allow');
}

/**
 * Every FIS experiment template of a synthesized template, checked against `FIS_ACTIONS`: a known
 * action, targets of the right resource type, and every permission the reference lists granted to
 * the template's role. Returns one line per problem.
 */
export function fisTemplateProblems(template: Cfn): string[] {
  const resources = (template.Resources ?? {}) as Cfn;
  const problems: string[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::FIS::ExperimentTemplate') continue;
    const props = r.Properties as Cfn;
    const roleId = refId(props.RoleArn);
    const statements = roleId ? roleStatements(resources, roleId) : [];
    if (!roleId) problems.push(`${id}: RoleArn is not a role of this template`);
    for (const [actionName, action] of Object.entries((props.Actions ?? {}) as Cfn)) {
      const expected = FIS_ACTIONS[action.ActionId as string];
      if (!expected) {
        problems.push(
          `${id}.${actionName}: ${action.ActionId} is not in FIS_ACTIONS; read ${REFERENCE} and add it`,
        );
        continue;
      }
      for (const targetName of Object.values((action.Targets ?? {}) as Record<string, string>)) {
        const type = (props.Targets?.[targetName] as Cfn | undefined)?.ResourceType;
        if (type !== expected.resourceType) {
          problems.push(
            `${id}.${actionName}: target ${targetName} is ${String(type)}, ${action.ActionId} needs ${expected.resourceType} (${expected.url})`,
          );
        }
      }
      for (const permission of expected.permissions) {
        if (!statements.some((s) => grants(permission, s.Action))) {
          problems.push(`${id}.${actionName}: role lacks ${permission} (${expected.url})`);
        }
      }
    }
  }
  return problems;
}
