import { loadAssembly } from '../../tools/report/assembly';
import { changesSection, reviewChanges } from '../../tools/report/change-review';
import type { Table } from '../../tools/report/model';
import { REVIEW_AFTER, REVIEW_BEFORE } from './fixture';

describe('change review against an approved assembly', () => {
  const review = reviewChanges(loadAssembly(REVIEW_BEFORE), loadAssembly(REVIEW_AFTER));

  test('IAM broadening: the added statement comes first, the removed one after', () => {
    expect(review.iamBroadening.map((r) => [r.stack, r.row[0], r.row[1], r.row[3]])).toEqual([
      ['Fix-App', '+', '*', 's3:*'],
      ['Fix-App', '-', 'arn:aws:s3:::fix-store-a/*', 's3:GetObject'],
    ]);
  });

  test('security group changes: the rule opened to everyone is listed', () => {
    expect(review.securityGroups).toEqual([
      { stack: 'Fix-App', row: ['+', '${Tasks.GroupId}', 'In', 'TCP 22', 'Everyone (IPv4)'] },
    ]);
  });

  test('the renamed bucket is a replacement; the removed queue and the new topic are listed apart', () => {
    expect(review.replacements).toEqual([
      {
        stack: 'Fix-App',
        logicalId: 'Store',
        type: 'AWS::S3::Bucket',
        impact: 'WILL_REPLACE',
        properties: ['BucketName'],
      },
    ]);
    expect(review.removals.map((r) => r.logicalId)).toEqual(['Jobs']);
    expect(review.otherChanges.map((r) => `${r.logicalId}:${r.impact}`).sort()).toEqual([
      'Alerts:WILL_CREATE',
      'Tasks:WILL_UPDATE',
      'WorkerPolicy:WILL_UPDATE',
    ]);
  });

  test('the section lists IAM, security groups and replacements before everything else', () => {
    const captions = changesSection(review)
      .blocks.filter((b): b is Table => b.kind === 'table')
      .map((t) => t.caption.en);
    expect(captions).toEqual([
      'IAM broadening (added statements first)',
      'Security group changes',
      'Resource replacements',
      'Resource removals',
      'Other changes',
    ]);
  });

  test('an assembly compared with itself shows no change', () => {
    const same = reviewChanges(loadAssembly(REVIEW_AFTER), loadAssembly(REVIEW_AFTER));
    expect([
      same.iamBroadening,
      same.securityGroups,
      same.replacements,
      same.removals,
      same.otherChanges,
    ]).toEqual([[], [], [], [], []]);
  });

  test('without a baseline the section says so', () => {
    expect(JSON.stringify(changesSection(undefined))).toContain(
      'No baseline assembly was given (--baseline <dir>)',
    );
  });
});
