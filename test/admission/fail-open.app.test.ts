import { FAIL_OPEN_SETTINGS_ENV, parseFailOpenSettings } from '../../lambda/admission-edge/domain/fail-open';
import { bookingAdmissionNames, regionHealthAlarmName } from '../../lib/workloads/booking';
import { appAssembly } from '../helpers/app-assembly';
import { testConfig } from '../helpers/synth';
import { templateEvaluator, type TemplateJson } from './fail-open-template';

// The default app's alarm-driven fail-open switch, read from the shared assembly: both Regions
// forward their waiting-room alarms to the edge switch, which reads the same alarms.
const app = appAssembly('default');
const config = testConfig();
const regions = [config.regions.primary, config.regions.secondary];
const ACCOUNT = '123456789012';
const templateOf = (stackName: string) => app.template(stackName).toJSON() as TemplateJson;
const symbolic = templateEvaluator(templateOf, ACCOUNT);
const EDGE = 'Rempart-Edge';
const apiStack = (region: string) => `Rempart-Booking-Api-${region}`;
const busName = bookingAdmissionNames(config).failOpenEventBusName;

type Resource = TemplateJson['Resources'][string];
const ofType = (stackName: string, type: string, where: (r: Resource) => boolean = () => true) =>
  Object.entries(templateOf(stackName).Resources).filter(([, r]) => r.Type === type && where(r));
const single = (found: [string, Resource][]): [string, Resource] => {
  expect(found).toHaveLength(1);
  return found[0];
};

const [busId] = single(ofType(EDGE, 'AWS::Events::EventBus', (r) => r.Properties.Name === busName));
const [, switchRule] = single(
  ofType(
    EDGE,
    'AWS::Events::Rule',
    (r) => JSON.stringify(r.Properties.EventBusName) === JSON.stringify({ Ref: busId }),
  ),
);
const [switchFnId, switchFn] = single(
  ofType(EDGE, 'AWS::Lambda::Function', (r) =>
    JSON.stringify(r.Properties.Environment ?? {}).includes(FAIL_OPEN_SETTINGS_ENV),
  ),
);
const forwarding = regions.map((region) => {
  const [, rule] = single(
    ofType(apiStack(region), 'AWS::Events::Rule', (r) =>
      JSON.stringify(r.Properties.EventPattern ?? {}).includes('CloudWatch Alarm State Change'),
    ),
  );
  return { region, rule };
});

describe('fail-open switch in the default app', () => {
  it("forwards each Region's alarm state changes to the switch's bus in the edge Region, by name", () => {
    for (const { region, rule } of forwarding) {
      const [target] = rule.Properties.Targets as { Arn: unknown; RoleArn?: unknown }[];
      expect(symbolic(target.Arn, apiStack(region))).toBe(
        `arn:aws:events:${config.regions.edge}:${ACCOUNT}:event-bus/${busName}`,
      );
      // Cross-Region bus targets need a role: CDK's EventsRole, allowed events:PutEvents on that bus.
      expect(target.RoleArn).toBeDefined();
    }
    // The edge stack (bus, switch) deploys after the Regions (their alarm ARNs flow to it).
    expect(app.stacks[EDGE].dependencies).toEqual(expect.arrayContaining(regions.map(apiStack)));
  });

  it('accepts exactly what the Regions forward: each stuck-cursor alarm and each Region-health alarm', () => {
    const accepted = (switchRule.Properties.EventPattern as { resources: unknown[] }).resources.map((r) =>
      symbolic(r, EDGE),
    );
    const sent = forwarding.flatMap(({ region, rule }) =>
      (rule.Properties.EventPattern as { resources: unknown[] }).resources.map((r) =>
        symbolic(r, apiStack(region)),
      ),
    );
    expect(accepted).toEqual(sent);
    expect(sent).toEqual(
      regions.flatMap((region): unknown[] => [
        expect.stringMatching(new RegExp(`^<${apiStack(region)}/AdmissionStuckCursorAlarm`)) as unknown,
        `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${regionHealthAlarmName(config, region)}`,
      ]),
    );
  });

  it('reads the Region-health alarms the resilience stacks really create', () => {
    const envVars = (switchFn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const kvsArn = `arn:aws:cloudfront::${ACCOUNT}:key-value-store/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
    const settings = parseFailOpenSettings(
      templateEvaluator(templateOf, ACCOUNT, (stack, id) =>
        stack === EDGE ? kvsArn : `arn:aws:cloudwatch:${stack.split('-Api-')[1]}:${ACCOUNT}:alarm:${id}`,
      )(envVars[FAIL_OPEN_SETTINGS_ENV], EDGE) as string,
    );
    expect(settings.eventId).toBe(config.booking.waitingRoom.eventId);
    expect(settings.regions.map((r) => r.region)).toEqual(regions);
    for (const r of settings.regions) {
      const composites = ofType(`Rempart-Resilience-${r.region}`, 'AWS::CloudWatch::CompositeAlarm').map(
        ([, a]) => a.Properties.AlarmName,
      );
      expect(r.healthAlarmArns.map((arn) => arn.split(':alarm:')[1])).toEqual([
        regionHealthAlarmName(config, r.region),
      ]);
      expect(composites).toContain(r.healthAlarmArns[0].split(':alarm:')[1]);
    }
  });

  it('pages the edge alarm topic when the switch keeps failing', () => {
    const [topicId] = single(ofType(EDGE, 'AWS::SNS::Topic'));
    const [, alarm] = single(
      ofType(
        EDGE,
        'AWS::CloudWatch::Alarm',
        (r) =>
          JSON.stringify(r.Properties.Dimensions ?? []).includes(switchFnId) &&
          r.Properties.MetricName === 'Errors',
      ),
    );
    expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
  });
});
