import { compliancePacks } from '../../../lib/compliance/nag-packs';
import { composeRempart } from '../../../lib/rempart-app';
import { testApp, testConfig } from '../../helpers/synth';

// The default configuration is checked by test/app; this file covers the other ENT network mode
// (no NAT, interface endpoints, private ECR image) and the warm secondary, whose acknowledgements
// differ. Only ENT stacks are inspected here.
describe('ENT stacks with endpoints egress pass every claimed pack', () => {
  const app = testApp();
  composeRempart(
    app,
    testConfig({
      ent: {
        scaling: { secondaryRegion: 'warm' },
        network: { egress: 'endpoints' },
        containerImage: '{account}.dkr.ecr.{region}.amazonaws.com/ent/portal:1.4.2',
      },
    }),
  );

  it('has no unacknowledged finding in any ENT stack', () => {
    const findings = compliancePacks(app).flatMap((pack) =>
      pack
        .validateScope(app)
        .violations.flatMap((v) =>
          v.violatingResources
            .map((r) => `${v.ruleName} ${(r as { constructPath?: string }).constructPath ?? ''}`)
            .filter((f) => f.includes('-Ent-')),
        ),
    );
    expect(findings).toEqual([]);
  });
});
