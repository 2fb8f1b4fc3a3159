import { DEFAULT_CONFIG } from '../../../lib/config/default-config';
import { deepMerge, validateConfig } from '../../../lib/config/load-config';
import { entImageProblem, entRegionProblems } from '../../../lib/workloads/ent/config';
import { EntDataStack } from '../../../lib/workloads/ent/data-stack';
import { EntServiceStack } from '../../../lib/workloads/ent/service-stack';
import { problemsFor } from '../../helpers/config';
import { testApp } from '../../helpers/synth';

describe('ENT configuration', () => {
  it('accepts the embedded default', () => {
    const config = validateConfig(DEFAULT_CONFIG);
    expect(config.ent.network.availabilityZones['eu-west-3']).toEqual([
      'eu-west-3a',
      'eu-west-3b',
      'eu-west-3c',
    ]);
    expect(config.ent.surge.timeZone).toBe('Europe/Paris');
  });

  const cases: Array<[string, unknown, RegExp]> = [
    [
      'two zones',
      { ent: { network: { availabilityZones: { 'eu-west-3': ['eu-west-3a', 'eu-west-3b'] } } } },
      /ent\.network\.availabilityZones\.eu-west-3: lists 2 Availability Zone\(s\).*exactly three.*Fix: name three/,
    ],
    [
      'four zones',
      {
        ent: {
          network: {
            availabilityZones: { 'eu-west-3': ['eu-west-3a', 'eu-west-3b', 'eu-west-3c', 'eu-west-3d'] },
          },
        },
      },
      /ent\.network\.availabilityZones\.eu-west-3: lists 4 Availability Zone/,
    ],
    [
      'zone of another Region',
      {
        ent: { network: { availabilityZones: { 'eu-west-3': ['eu-west-3a', 'eu-west-3b', 'eu-west-1c'] } } },
      },
      /ent\.network\.availabilityZones\.eu-west-3: "eu-west-1c" is not an Availability Zone of eu-west-3.*received "eu-west-1c".*Fix: use eu-west-3a/,
    ],
    [
      'same zone twice',
      {
        ent: { network: { availabilityZones: { 'eu-west-3': ['eu-west-3a', 'eu-west-3a', 'eu-west-3b'] } } },
      },
      /names an Availability Zone twice.*Fix: name three different zones/,
    ],
    [
      'no zones for an application Region',
      { regions: { secondary: 'eu-south-2' } },
      /ent\.network\.availabilityZones\.eu-south-2: names no Availability Zones for application Region eu-south-2.*Fix: add "eu-south-2"/,
    ],
    [
      'no CloudFront prefix list for an application Region',
      { regions: { secondary: 'eu-south-2' } },
      /ent\.network\.cloudFrontPrefixListIds\.eu-south-2: has no CloudFront origin-facing prefix list id.*Fix: run "aws ec2 describe-managed-prefix-lists --region eu-south-2/,
    ],
    [
      'malformed prefix list id',
      { ent: { network: { cloudFrontPrefixListIds: { 'eu-west-3': 'cloudfront' } } } },
      /ent\.network\.cloudFrontPrefixListIds\.eu-west-3: is not a prefix list id.*received "cloudfront"/,
    ],
    [
      'bad CIDR',
      { ent: { network: { vpcCidr: '10.40.0.0/24' } } },
      /ent\.network\.vpcCidr: is not an IPv4 CIDR from \/16 to \/20.*received "10\.40\.0\.0\/24"/,
    ],
    [
      'unknown egress',
      { ent: { network: { egress: 'internet' } } },
      /ent\.network\.egress: .*received "internet".*Fix: use one of "nat", "endpoints"/,
    ],
    [
      'endpoints egress with a public image',
      { ent: { network: { egress: 'endpoints' } } },
      /ent\.containerImage: is not in a private ECR registry.*received "public\.ecr\.aws.*Fix: push the image to ECR/,
    ],
    [
      'maximum below the pre-scale capacity',
      { ent: { scaling: { maxTasks: 100 } } },
      /ent\.scaling\.maxTasks: is below the school-morning pre-scale capacity of 120 tasks.*received 100.*Fix: raise scaling\.maxTasks to at least 120/,
    ],
    [
      'pre-scale too close to the peak',
      { ent: { surge: { preScaleAt: '07:45' } } },
      /ent\.surge\.preScaleAt: is less than 30 minutes before surge\.peakStartsAt \(08:00\).*received "07:45"/,
    ],
    [
      'scale-in before the peak',
      { ent: { surge: { scaleInAt: '07:55' } } },
      /ent\.surge\.scaleInAt: is not after surge\.peakStartsAt.*received "07:55"/,
    ],
    [
      'off-peak above peak',
      { ent: { surge: { offPeakLoginsPerSecond: 5000 } } },
      /ent\.surge\.offPeakLoginsPerSecond: is above surge\.peakLoginsPerSecond \(2000\).*received 5000/,
    ],
    [
      'school day listed twice',
      { ent: { surge: { schoolDays: ['MON', 'MON'] } } },
      /ent\.surge\.schoolDays: lists a day twice/,
    ],
    [
      'Sunday is no school day',
      { ent: { surge: { schoolDays: ['SUN'] } } },
      /ent\.surge\.schoolDays\.0: .*received "SUN"/,
    ],
    ['root user', { ent: { task: { user: '0' } } }, /ent\.task\.user: is uid 0 \(root\).*received "0"/],
    [
      'named user',
      { ent: { task: { user: 'nginx' } } },
      /ent\.task\.user: is not a numeric uid.*received "nginx"/,
    ],
    [
      'privileged port',
      { ent: { containerPort: 80 } },
      /ent\.containerPort: is a privileged port.*received 80.*Fix: use e\.g\. 8080/,
    ],
    [
      'not a Fargate CPU size',
      { ent: { task: { cpu: 1000 } } },
      /ent\.task\.cpu: is not a Fargate CPU size.*received 1000.*Fix: use one of 256, 512/,
    ],
    [
      'memory that does not fit the CPU',
      { ent: { task: { memoryMiB: 1024 } } },
      /ent\.task\.memoryMiB: is not valid with 1024 CPU units.*received 1024.*Fix: use 2048 to 8192 MiB in steps of 1024/,
    ],
    [
      'relative writable path',
      { ent: { task: { writablePaths: ['tmp'] } } },
      /ent\.task\.writablePaths\.0: is not an absolute path/,
    ],
    [
      'relative health check path',
      { ent: { task: { healthCheckPath: 'health' } } },
      /ent\.task\.healthCheckPath: is not an absolute URL path/,
    ],
    [
      'no headroom',
      { ent: { scaling: { targetUtilization: 0.95 } } },
      /ent\.scaling\.targetUtilization: leaves no headroom above 90%/,
    ],
    [
      'CPU target out of range',
      { ent: { scaling: { cpuTargetPercent: 95 } } },
      /ent\.scaling\.cpuTargetPercent: .*received 95/,
    ],
    [
      'capacity reservation too small',
      { ent: { scaling: { loadBalancerCapacityUnits: 50 } } },
      /ent\.scaling\.loadBalancerCapacityUnits: .*received 50/,
    ],
    [
      'secondary mode',
      { ent: { scaling: { secondaryRegion: 'cold' } } },
      /ent\.scaling\.secondaryRegion: .*Fix: use one of "hot", "warm"/,
    ],
    [
      'secret variable name',
      { ent: { secrets: { 'db-password': 'ent/db' } } },
      /ent\.secrets\.db-password: is not an environment variable name.*Fix: use UPPER_SNAKE_CASE/,
    ],
    [
      'secret name',
      { ent: { secrets: { ENT_DB_PASSWORD: 'ent db password' } } },
      /ent\.secrets\.ENT_DB_PASSWORD: is not a Secrets Manager secret name.*received "ent db password"/,
    ],
    [
      'document versions kept less than a week',
      { ent: { documents: { noncurrentVersionExpirationDays: 3 } } },
      /ent\.documents\.noncurrentVersionExpirationDays: keeps replaced versions less than a week.*received 3.*Fix: use at least 7/,
    ],
    [
      'dead-letter retention not longer than the queue',
      { ent: { queue: { deadLetterRetentionDays: 4 } } },
      /ent\.queue\.deadLetterRetentionDays: is not longer than queue\.retentionDays \(4\).*received 4/,
    ],
    [
      'retention above SQS maximum',
      { ent: { queue: { retentionDays: 15 } } },
      /ent\.queue\.retentionDays: .*received 15.*Fix: use a value of at most 14/,
    ],
  ];

  it.each(cases)('rejects %s with the field, the value and the fix', (_name, overrides, expected) => {
    expect(problemsFor(overrides)).toMatch(expected);
  });

  it('accepts a private ECR image with endpoints egress', () => {
    const config = validateConfig(
      deepMerge(DEFAULT_CONFIG, {
        ent: {
          network: { egress: 'endpoints' },
          containerImage: '{account}.dkr.ecr.{region}.amazonaws.com/ent/portal:1.4',
        },
      }),
    );
    expect(config.ent.network.egress).toBe('endpoints');
  });
});

describe('ENT image, egress and documents settings', () => {
  const DIGEST = `sha256:${'a'.repeat(64)}`;

  it('refuses a tag-only image for stage prod, naming the fix; a digest passes; dev keeps tags', () => {
    expect(entImageProblem('public.ecr.aws/nginx/nginx-unprivileged:stable', 'prod')).toMatch(
      /is not pinned by digest, and stage is "prod".*Fix: name the image by digest, e\.g\. "public\.ecr\.aws\/nginx\/nginx-unprivileged@sha256:<digest>"/,
    );
    expect(entImageProblem(`public.ecr.aws/nginx/nginx-unprivileged@${DIGEST}`, 'prod')).toBeUndefined();
    expect(entImageProblem('public.ecr.aws/nginx/nginx-unprivileged:stable', 'dev')).toBeUndefined();
    expect(entImageProblem('registry.example.fr/ent:1.2@sha256:short', 'prod')).toMatch(
      /not pinned by digest/,
    );
  });

  it('refuses a stage prod configuration with a tag-only image, in the cross-section check and in the service stack', () => {
    const dev = validateConfig(DEFAULT_CONFIG);
    const config = { ...dev, service: { ...dev.service, stage: 'prod' as const } };
    expect(entRegionProblems(config.ent, ['eu-west-3'], 'prod')).toContainEqual(
      expect.objectContaining({
        path: ['ent', 'containerImage'],
        message: expect.stringMatching(/not pinned by digest/),
      }),
    );
    expect(entRegionProblems(config.ent, ['eu-west-3'], 'dev')).toEqual([]);
    const app = testApp();
    const data = new EntDataStack(app, 'D', {
      config,
      isPrimary: true,
      env: { account: '111111111111', region: 'eu-west-3' },
    });
    expect(
      () =>
        new EntServiceStack(app, 'S', {
          config,
          data,
          env: { account: '111111111111', region: 'eu-west-3' },
        }),
    ).toThrow(
      /ent\.containerImage "public\.ecr\.aws\/nginx\/nginx-unprivileged:stable" is not pinned by digest, and stage is "prod"/,
    );
  });

  it('refuses document prefixes that are not folders, and an empty list', () => {
    expect(problemsFor({ ent: { documents: { applicationPrefixes: ['/homework'] } } })).toMatch(
      /ent\.documents\.applicationPrefixes\.0: is not a key prefix.*Fix: letters, digits and !_\.\(\)- in folders, ending in "\/"/,
    );
    expect(problemsFor({ ent: { documents: { applicationPrefixes: [] } } })).toMatch(
      /ent\.documents\.applicationPrefixes: is empty: the ENT product could not store any document/,
    );
  });

  it('accepts extra interface endpoints only without NAT', () => {
    expect(problemsFor({ ent: { network: { additionalEndpoints: ['sts'] } } })).toMatch(
      /ent\.network\.additionalEndpoints: is set but egress is "nat"/,
    );
  });
});
