import { Match, Template } from 'aws-cdk-lib/assertions';
import { composeRempart } from '../../lib/rempart-app';
import { WORKLOADS } from '../../lib/workloads';
import { inboxWorkload } from '../fixtures/workloads/inbox';
import { testApp, testConfig } from '../helpers/synth';

// A third workload is one folder (test/fixtures/workloads/inbox/) and one line (the list below, as
// in lib/workloads/index.ts): the shared stacks pick it up without knowing its name.
const app = testApp();
const stacks = composeRempart(app, testConfig(), { workloads: [...WORKLOADS, inboxWorkload] });
const resilience = stacks.resilience.map((s) => Template.fromStack(s));
const edge = Template.fromStack(stacks.edge);

describe('a third workload', () => {
  it('gets its stacks in both application Regions, after the off-site vault', () => {
    const inbox = stacks.workloads.Inbox;
    expect(inbox.regions.map((r) => r.stacks.map((s) => s.stackName))).toEqual([
      ['Rempart-Inbox-Data-eu-west-3'],
      ['Rempart-Inbox-Data-eu-central-1'],
    ]);
    for (const r of inbox.regions) expect(r.stacks[0].dependencies).toContain(stacks.backupVault);
  });

  it('is backed up and tagged as its own workload', () => {
    const data = Template.fromStack(stacks.workloads.Inbox.regions[0].stacks[0]);
    data.hasResourceProperties('AWS::SQS::Queue', {
      Tags: Match.arrayWith([
        { Key: 'rempart:backup', Value: Match.anyValue() },
        { Key: 'rempart:workload', Value: 'inbox' },
      ]),
    });
  });

  it('is watched by each Region resilience stack, beside booking and ENT', () => {
    for (const t of resilience) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: Match.stringLikeRegexp('InboxMessages'),
      });
    }
    // Its queue signals page people but move no traffic: only probes and ratios drive Route 53.
    expect(Object.keys(stacks.resilience[0].failovers).sort()).toEqual(['Booking', 'Ent']);
  });

  it('gets its own web ACL and distribution at the edge, beside booking and ENT', () => {
    edge.resourceCountIs('AWS::WAFv2::WebACL', 3);
    edge.resourceCountIs('AWS::CloudFront::Distribution', 3);
    edge.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ Aliases: ['inbox.rempart-demo.fr'] }),
    });
  });

  it('is assessed by Resilience Hub with the other workloads of the Region', () => {
    const app = JSON.stringify(resilience[0].findResources('AWS::ResilienceHub::App'));
    expect(app).toContain('Rempart-Inbox-Data-eu-west-3');
  });
});
