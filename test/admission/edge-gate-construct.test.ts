import { randomBytes } from 'node:crypto';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { compliancePacks } from '../../lib/compliance/nag-packs';
import {
  ADMISSION_COOKIE_NAME,
  CLOUDFRONT_FUNCTION_MAX_CODE_BYTES,
  signAdmissionCookie,
} from '../../lib/constructs/admission-control/contract';
import {
  AdmissionEdgeGate,
  type AdmissionEdgeGateProps,
} from '../../lib/constructs/admission-control/edge/admission-edge-gate';
import { makeHandler, type CfnResponse, type SyncPlan } from '../../lambda/admission-edge/store-sync';
import {
  KeyValueStoreStandIn,
  loadCloudFrontFunction,
  viewerRequestEvent,
} from '../helpers/cloudfront-runtime';
import { testApp, testStack } from '../helpers/synth';

const props: AdmissionEdgeGateProps = {
  eventId: 'opening-2027-01',
  protectedPaths: [
    { pathPattern: '/api/bookings*', pathClass: 'booking-write' },
    { pathPattern: '/reserver/*', pathClass: 'booking-page', onFailure: 'closed' },
  ],
  secretNamePrefix: 'rempart/admission/booking',
};

function build(overrides: Partial<AdmissionEdgeGateProps> = {}, region = 'us-east-1') {
  const stack = testStack(region, testApp());
  const replicaKey = kms.Key.fromKeyArn(
    stack,
    'ParisKey',
    'arn:aws:kms:eu-west-3:111111111111:key/11111111-2222-3333-4444-555555555555',
  );
  const gate = new AdmissionEdgeGate(stack, 'Gate', {
    ...props,
    signingKeyReplicas: [{ region: 'eu-west-3', encryptionKey: replicaKey }],
    ...overrides,
  });
  return { stack, gate };
}

const { stack, gate } = build();
const template = Template.fromStack(stack);
const templateJson = JSON.stringify(template.toJSON());

function only(type: string): {
  id: string;
  resource: { Properties: Record<string, unknown>; DependsOn?: string[] };
} {
  const found = Object.entries(template.findResources(type));
  expect(found).toHaveLength(1);
  const [id, resource] = found[0] as [string, { Properties: Record<string, unknown>; DependsOn?: string[] }];
  return { id, resource };
}

describe('AdmissionEdgeGate template', () => {
  it('creates a cloudfront-js-2.0 function, published, with the store attached', () => {
    const store = only('AWS::CloudFront::KeyValueStore');
    template.hasResourceProperties('AWS::CloudFront::Function', {
      AutoPublish: true,
      FunctionConfig: Match.objectLike({
        Runtime: 'cloudfront-js-2.0',
        KeyValueStoreAssociations: [{ KeyValueStoreARN: { 'Fn::GetAtt': [store.id, 'Arn'] } }],
      }),
    });
    // Nothing is imported into the store from the template.
    expect(store.resource.Properties.ImportSource).toBeUndefined();
  });

  it(`deploys code within CloudFront's ${CLOUDFRONT_FUNCTION_MAX_CODE_BYTES}-byte limit`, () => {
    const code = only('AWS::CloudFront::Function').resource.Properties.FunctionCode as string;
    expect(Buffer.byteLength(code)).toBe(gate.codeBytes);
    expect(gate.codeBytes).toBeLessThanOrEqual(CLOUDFRONT_FUNCTION_MAX_CODE_BYTES);
  });

  it('generates both signing keys in Secrets Manager, on a customer-managed key, replicated with the Region key', () => {
    const secrets = template.findResources('AWS::SecretsManager::Secret');
    expect(Object.keys(secrets)).toHaveLength(2);
    for (const kid of ['a', 'b']) {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: `rempart/admission/booking/signing-key-${kid}`,
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GateSigningKeysKey'), 'Arn'] },
        GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }),
        ReplicaRegions: [
          {
            Region: 'eu-west-3',
            KmsKeyId: 'arn:aws:kms:eu-west-3:111111111111:key/11111111-2222-3333-4444-555555555555',
          },
        ],
      });
    }
    expect(templateJson).not.toContain('"SecretString"');
  });

  it('fills the store through a custom resource that receives secret ARNs, never values', () => {
    const contents = only('Custom::RempartAdmissionStore');
    const secretIds = Object.keys(template.findResources('AWS::SecretsManager::Secret')).sort();
    expect(contents.resource.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^GateStoreSync/), 'Arn'] },
      KvsArn: { 'Fn::GetAtt': [only('AWS::CloudFront::KeyValueStore').id, 'Arn'] },
      SigningKeySecretArns: { a: { Ref: secretIds[0] }, b: { Ref: secretIds[1] } },
      CurrentKid: 'a',
      EventId: 'opening-2027-01',
      PathClasses: ['booking-write', 'booking-page'],
      Generation: '1',
    });
  });

  it('publishes the function only after the store is filled', () => {
    const contents = only('Custom::RempartAdmissionStore');
    expect(only('AWS::CloudFront::Function').resource.DependsOn).toContain(contents.id);
  });

  it('lets the sync function read the two secrets and write this store only', () => {
    const storeArn = { 'Fn::GetAtt': [only('AWS::CloudFront::KeyValueStore').id, 'Arn'] };
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^GateStoreSyncRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: [
              'cloudfront-keyvaluestore:DescribeKeyValueStore',
              'cloudfront-keyvaluestore:GetKey',
              'cloudfront-keyvaluestore:UpdateKeys',
            ],
            Resource: storeArn,
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^GateStoreSyncRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Resource: [
              { Ref: Match.stringLikeRegexp('^GateSigningKeyA') },
              { Ref: Match.stringLikeRegexp('^GateSigningKeyB') },
            ],
          }),
        ]),
      },
    });
  });

  it('lets that role decrypt the secrets through Secrets Manager only', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'kms:Decrypt',
            Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GateStoreSyncRole'), 'Arn'] } },
            Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
          }),
        ]),
      },
    });
  });

  it('leaves no compliance finding', () => {
    const findings = compliancePacks(stack).flatMap((pack) =>
      pack
        .validateScope(stack)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath ?? ''}`)),
    );
    expect(findings).toEqual([]);
  });
});

describe('AdmissionEdgeGate.grantSwitch', () => {
  it('lets the fail-open switch read and write this store and nothing else', () => {
    const built = build();
    const role = new iam.Role(built.stack, 'Switch', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    built.gate.grantSwitch(role);
    Template.fromStack(built.stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Switch') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: [
              'cloudfront-keyvaluestore:DescribeKeyValueStore',
              'cloudfront-keyvaluestore:GetKey',
              'cloudfront-keyvaluestore:PutKey',
              'cloudfront-keyvaluestore:UpdateKeys',
            ],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GateStore'), 'Arn'] },
          },
        ],
      },
    });
    expect(built.gate.signingKeySecretNames).toEqual({
      a: 'rempart/admission/booking/signing-key-a',
      b: 'rempart/admission/booking/signing-key-b',
    });
  });
});

describe('AdmissionEdgeGate end to end: template code, deploy-time keys, no key in the template', () => {
  // Stand-ins for what Secrets Manager generates at deploy time.
  const generated = { a: randomBytes(32).toString('hex'), b: randomBytes(32).toString('hex') };
  const kvs = new KeyValueStoreStandIn();
  const responses: CfnResponse[] = [];

  beforeAll(async () => {
    const contents = only('Custom::RempartAdmissionStore').resource.Properties;
    const secretIds = Object.keys(template.findResources('AWS::SecretsManager::Secret')).sort();
    const arnOf = (id: string) => `arn:aws:secretsmanager:us-east-1:111111111111:secret:${id}`;
    // The template's properties, with CloudFormation's references resolved to plausible values.
    const properties = {
      ...contents,
      KvsArn: 'arn:aws:cloudfront::111111111111:key-value-store/example',
      SigningKeySecretArns: { a: arnOf(secretIds[0] ?? ''), b: arnOf(secretIds[1] ?? '') },
    };
    const handler = makeHandler({
      readSecret: (arn) => Promise.resolve(arn === arnOf(secretIds[0] ?? '') ? generated.a : generated.b),
      keyExists: (_arn, key) => Promise.resolve(kvs.entries.has(key)),
      updateKeys: (_arn, plan: SyncPlan) => {
        for (const { key, value } of plan.puts) kvs.entries.set(key, value);
        for (const key of plan.deletes) kvs.entries.delete(key);
        return Promise.resolve();
      },
      respond: (_url, response) => {
        responses.push(response);
        return Promise.resolve();
      },
    });
    await handler({
      RequestType: 'Create',
      ServiceToken: 'x',
      ResponseURL: 'https://cloudformation.example/response',
      StackId: 'stack',
      RequestId: 'req',
      LogicalResourceId: 'GateStoreContents',
      ResourceType: 'Custom::RempartAdmissionStore',
      ResourceProperties: properties,
    } as unknown as CloudFormationCustomResourceEvent);
  });

  it('admits a cookie signed with a deploy-time key, with the code exactly as synthesized', async () => {
    expect(responses.map((r) => r.Status)).toEqual(['SUCCESS']);
    const code = only('AWS::CloudFront::Function').resource.Properties.FunctionCode as string;
    const now = Date.UTC(2027, 0, 14, 10);
    const fn = loadCloudFrontFunction(code, { kvs, nowMs: () => now });
    const cookie = signAdmissionCookie(
      { kid: 'b', eventId: 'opening-2027-01', expiresEpochSeconds: now / 1000 + 300, admissionId: 'tkt_42' },
      generated.b,
    );
    const admitted = (await fn.handler(
      viewerRequestEvent({ uri: '/reserver/1', cookies: { [ADMISSION_COOKIE_NAME]: cookie } }),
    )) as { uri?: string };
    expect(admitted.uri).toBe('/reserver/1');
    const refused = (await fn.handler(viewerRequestEvent({ uri: '/reserver/1' }))) as { statusCode?: number };
    expect(refused.statusCode).toBe(302);
  });

  it('never puts key material in the template or the CloudFormation response', () => {
    for (const value of [generated.a, generated.b]) {
      expect(value).toHaveLength(64);
      expect(templateJson).not.toContain(value);
      expect(JSON.stringify(responses)).not.toContain(value);
    }
  });
});

describe('AdmissionEdgeGate validation', () => {
  it.each<[string, Partial<AdmissionEdgeGateProps>, RegExp]>([
    ['no paths', { protectedPaths: [] }, /protectedPaths is empty/],
    [
      'relative pattern',
      { protectedPaths: [{ pathPattern: 'api/*', pathClass: 'x' }] },
      /protectedPaths\[0\]\.pathPattern is "api\/\*"/,
    ],
    [
      'bad class',
      { protectedPaths: [{ pathPattern: '/a', pathClass: 'Booking Page' }] },
      /protectedPaths\[0\]\.pathClass is "Booking Page"/,
    ],
    [
      'one class, two policies',
      {
        protectedPaths: [
          { pathPattern: '/a', pathClass: 'x', onFailure: 'open' },
          { pathPattern: '/b', pathClass: 'x', onFailure: 'closed' },
        ],
      },
      /pathClass "x" is both fail-open and fail-closed/,
    ],
    [
      'duplicate pattern',
      {
        protectedPaths: [
          { pathPattern: '/a', pathClass: 'x' },
          { pathPattern: '/a', pathClass: 'y' },
        ],
      },
      /listed twice/,
    ],
    ['event id with a dot', { eventId: 'opening.1' }, /eventId is "opening.1"/],
    ['unknown kid', { currentKid: 'c' as 'a' }, /currentKid is "c"/],
    ['generation 0', { signingKeyGeneration: 0 }, /signingKeyGeneration is 0/],
    ['retry after 0', { retryAfterSeconds: 0 }, /retryAfterSeconds is 0/],
    [
      'code over 10 KB',
      {
        protectedPaths: Array.from({ length: 120 }, (_, i) => ({
          pathPattern: `/a-very-long-booking-path-pattern-number-${i}/with/more/segments/*`,
          pathClass: `c${i}`,
        })),
      },
      /function code is \d+ bytes, over CloudFront's 10240/,
    ],
  ])('refuses %s, naming the prop', (_name, overrides, message) => {
    expect(() => build(overrides)).toThrow(message);
  });

  it('refuses a stack outside us-east-1', () => {
    expect(() => build({}, 'eu-west-3')).toThrow(/the stack is in eu-west-3.*us-east-1/);
  });

  it('refuses a replica in its own Region or twice the same Region', () => {
    const stack2 = testStack('us-east-1', testApp());
    const key = kms.Key.fromKeyArn(stack2, 'K', 'arn:aws:kms:us-east-1:111111111111:key/1');
    expect(
      () =>
        new AdmissionEdgeGate(stack2, 'G', {
          ...props,
          signingKeyReplicas: [
            { region: 'us-east-1', encryptionKey: key },
            { region: 'eu-west-3', encryptionKey: key },
            { region: 'eu-west-3', encryptionKey: key },
          ],
        }),
    ).toThrow(/lists us-east-1, where the secrets already live.*lists eu-west-3 twice/);
  });
});
