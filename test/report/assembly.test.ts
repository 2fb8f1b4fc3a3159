import { AssemblyError, loadAssembly } from '../../tools/report/assembly';
import { render, stackOutputReads, tagsOf, allResources } from '../../tools/report/cfn';
import { patchedSmall, REVIEW_AFTER, small, tempDir } from './fixture';

describe('loadAssembly', () => {
  const { assembly } = small();

  test('reads every stack of the manifest with its Region and template', () => {
    expect(assembly.stacks.map((s) => `${s.name}@${s.region}`).sort()).toEqual([
      'Fix-Api-eu-west-3@eu-west-3',
      'Fix-Data-eu-central-1@eu-central-1',
      'Fix-Data-eu-west-3@eu-west-3',
      'Fix-Edge@us-east-1',
      'Fix-Exports-eu-west-2@eu-west-2',
      'Fix-Portal-eu-west-3@eu-west-3',
      'Fix-Resilience-eu-west-3@eu-west-3',
      'Fix-Vault@eu-west-1',
    ]);
    expect(assembly.stacks.find((s) => s.name === 'Fix-Data-eu-west-3')?.terminationProtection).toBe(true);
    expect(assembly.stacks.find((s) => s.name === 'Fix-Edge')?.dependencies).toEqual([
      'Fix-Data-eu-west-3',
      'Fix-Api-eu-west-3',
      'Fix-Portal-eu-west-3',
    ]);
  });

  test('reads acknowledgements from <Stack>.metadata.json with their rule id, reason and resource', () => {
    const acks = assembly.stacks.flatMap((s) => s.acknowledgements);
    expect(acks).toContainEqual({
      stack: 'Fix-Exports-eu-west-2',
      constructPath: '/Fix-Exports-eu-west-2/Exports/Resource',
      namespace: 'Annotation',
      ruleId: 'AwsSolutions-S1',
      reason: expect.stringMatching(/^Exports are written once a month/),
      logicalId: 'Exports',
    });
    expect(acks).toHaveLength(2);
  });

  test('an acknowledgement recorded twice on the same path is read once', () => {
    const f = patchedSmall('Fix-Exports-eu-west-2.metadata.json', (m) => {
      const entries = m['/Fix-Exports-eu-west-2/Exports/Resource'];
      entries.push(entries[1]);
    });
    try {
      expect(
        f.assembly.stacks.find((s) => s.name === 'Fix-Exports-eu-west-2')?.acknowledgements,
      ).toHaveLength(1);
    } finally {
      f.dispose();
    }
  });

  test('reads open findings from validation-report.json with their template evidence', () => {
    expect(assembly.validation.violations).toEqual([
      expect.objectContaining({
        plugin: 'AwsSolutions',
        ruleName: 'AwsSolutions-IAM5[Resource::*]',
        severity: 'error',
        constructs: [
          {
            constructPath: 'Fix-Api-eu-west-3/WorkerPolicy/Resource',
            templatePath: 'Fix-Api-eu-west-3.template.json',
            logicalId: 'WorkerPolicy',
            propertyPaths: ['Properties'],
          },
        ],
      }),
    ]);
  });

  test('records library versions from tree.json and lists every file read', () => {
    expect(assembly.tree.libraryVersions.get('aws-cdk-lib')).toEqual(['2.276.0']);
    expect(assembly.files).toContain('validation-report.json');
    expect(assembly.files).toContain('Fix-Vault.metadata.json');
    expect(assembly.files.filter((f) => f.endsWith('.template.json'))).toHaveLength(8);
  });

  test('an assembly without tree, metadata or report still loads', () => {
    const bare = loadAssembly(REVIEW_AFTER);
    expect(bare.stacks.map((s) => s.name)).toEqual(['Fix-App']);
    expect(bare.validation.present).toBe(false);
    expect(bare.files).toEqual(['Fix-App.template.json', 'manifest.json']);
  });

  test('a directory that is not an assembly is refused with the fix', () => {
    const empty = tempDir();
    try {
      expect(() => loadAssembly(empty.dir)).toThrow(AssemblyError);
      expect(() => loadAssembly(empty.dir)).toThrow(/has no manifest\.json.*Fix: run `npx cdk synth` first/);
    } finally {
      empty.dispose();
    }
  });
});

describe('template helpers', () => {
  test('render shows intrinsics the way an auditor reads them', () => {
    expect(render({ Ref: 'Bucket' })).toBe('!Ref Bucket');
    expect(render({ 'Fn::GetAtt': ['Key', 'Arn'] })).toBe('!GetAtt Key.Arn');
    expect(
      render({
        'Fn::Join': ['', ['arn:aws:backup:eu-west-1:', { Ref: 'AWS::AccountId' }, ':backup-vault:X']],
      }),
    ).toBe('arn:aws:backup:eu-west-1:${AWS::AccountId}:backup-vault:X');
    expect(render({ 'Fn::GetStackOutput': { StackName: 'A', Region: 'eu-west-3', OutputName: 'O' } })).toBe(
      '!GetStackOutput A(eu-west-3).O',
    );
  });

  test('stackOutputReads finds cross-stack reads in document order', () => {
    const reads = stackOutputReads({
      'Fn::Join': [
        '',
        [
          { 'Fn::GetStackOutput': { StackName: 'First', Region: 'r', OutputName: 'A' } },
          { 'Fn::GetStackOutput': { StackName: 'Second', Region: 'r', OutputName: 'B' } },
        ],
      ],
    });
    expect(reads.map((r) => r.stack)).toEqual(['First', 'Second']);
  });

  test('tagsOf reads list tags, map tags and global table replica tags', () => {
    const { assembly } = small();
    const table = allResources(assembly).find((r) => r.logicalId === 'Table');
    expect(table && tagsOf(table).get('rempart:backup')).toBe('daily');
  });
});
