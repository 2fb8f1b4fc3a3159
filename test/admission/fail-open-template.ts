/**
 * Evaluates CloudFormation expressions of synthesized templates as a deployment would, across
 * stacks: `Fn::GetStackOutput` (CDK's cross-Region references) is followed to the producing
 * stack's output, `Fn::GetAtt` becomes whatever `physical` names for that stack's logical id, and
 * `Ref AWS::AccountId` the test account. Lets a test compare what two stacks will really hold.
 */
export type TemplateJson = {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  Outputs?: Record<string, { Value: unknown }>;
};

export function templateEvaluator(
  templates: (stackName: string) => TemplateJson,
  account: string,
  physical: (stackName: string, logicalId: string) => string = (stack, id) => `<${stack}/${id}>`,
) {
  const evaluate = (value: unknown, stackName: string): unknown => {
    if (typeof value === 'string' || typeof value === 'number') return value;
    if (Array.isArray(value)) return value.map((v) => evaluate(v, stackName));
    const v = value as Record<string, unknown>;
    const ref = v['Fn::GetStackOutput'] as { StackName: string; OutputName: string } | undefined;
    if (ref) {
      const output = templates(ref.StackName).Outputs?.[ref.OutputName];
      if (!output) throw new Error(`no output ${ref.OutputName} in ${ref.StackName}`);
      return evaluate(output.Value, ref.StackName);
    }
    if (v['Fn::Join']) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => evaluate(p, stackName)).join(sep);
    }
    if (v['Fn::GetAtt']) return physical(stackName, (v['Fn::GetAtt'] as string[])[0]);
    if (v.Ref === 'AWS::AccountId') return account;
    if (v.Ref === 'AWS::Partition') return 'aws';
    if (typeof v.Ref === 'string') return physical(stackName, v.Ref);
    throw new Error(`cannot evaluate ${JSON.stringify(v)} in ${stackName}`);
  };
  return evaluate;
}
