import { Stack, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { MRSC_ALLOWED_COMMANDS } from '../../../lambda/booking/adapters/dynamodb';
import { bookingSettings } from '../../../lib/workloads/booking/capacity';
import type { RempartFunction } from '../../../lib/constructs/rempart-function/rempart-function';
import { BookingApiStack } from '../../../lib/workloads/booking/api-stack';
import { BookingDataStack } from '../../../lib/workloads/booking/data-stack';
import { composeTestApp, testApp, testConfig, regionsOf } from '../../helpers/synth';

// The booking stacks on their own (default configuration), synthesized once; the compliance packs
// are checked on the whole app in test/app. The composition is checked for its deploy order only.
const config = testConfig();
const app = testApp();
const env = (region: string) => ({ account: '111111111111', region });
const build = (region: string, isPrimary: boolean, stackConfig = config, inApp = app) => {
  const bookingData = new BookingDataStack(inApp, `Data-${region}`, {
    config: stackConfig,
    isPrimary,
    env: env(region),
  });
  const bookingApi = new BookingApiStack(inApp, `Api-${region}`, {
    config: stackConfig,
    data: bookingData,
    env: env(region),
  });
  return { bookingData, bookingApi };
};
const primary = build('eu-west-3', true);
const secondary = build('eu-central-1', false);
const composed = regionsOf(composeTestApp(config).stacks);
const primaryData = Template.fromStack(primary.bookingData);
const secondaryData = Template.fromStack(secondary.bookingData);
const primaryApi = Template.fromStack(primary.bookingApi);
const settings = bookingSettings(config.booking);

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
/** Every statement of the identity policies attached to a function's own role. */
const roleStatements = (fn: RempartFunction): Statement[] => {
  const stack = Stack.of(fn);
  const roleRef = { Ref: stack.getLogicalId(fn.role.node.defaultChild as CfnResource) };
  const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).filter((p) =>
    (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify(roleRef)),
  );
  expect(policies.length).toBeGreaterThan(0);
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
};
const actionsOf = (fn: RempartFunction, service: string) =>
  roleStatements(fn)
    .flatMap((st) => [st.Action].flat())
    .filter((a) => a.startsWith(`${service}:`))
    .sort();

describe('BookingDataStack', () => {
  it('declares the table once, in the primary, as an MRSC global table with a witness in the third Region', () => {
    primaryData.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    secondaryData.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    primaryData.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'Rempart-dev-booking',
      MultiRegionConsistency: 'STRONG',
      GlobalTableWitnesses: [{ Region: 'eu-west-1' }],
      Replicas: Match.arrayWith([
        Match.objectLike({ Region: 'eu-central-1', DeletionProtectionEnabled: true }),
        Match.objectLike({ Region: 'eu-west-3', DeletionProtectionEnabled: true }),
      ]),
      TimeToLiveSpecification: Match.absent(),
      LocalSecondaryIndexes: Match.absent(),
    });
  });

  it('pre-warms the table to the throughput derived from the surge profile', () => {
    // The values themselves are pinned once, in capacity.test.ts.
    const warm = settings.warmThroughput;
    expect(warm).toBeDefined();
    primaryData.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      WarmThroughput: {
        ReadUnitsPerSecond: warm?.readUnitsPerSecond,
        WriteUnitsPerSecond: warm?.writeUnitsPerSecond,
      },
    });
  });

  it('generates the person-key pepper in the primary, under a customer-managed key, replicated to the secondary under its own', () => {
    primaryData.resourceCountIs('AWS::SecretsManager::Secret', 1);
    secondaryData.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const [secret] = Object.values(primaryData.findResources('AWS::SecretsManager::Secret'));
    expect(secret.DeletionPolicy).toBe('Retain');
    expect(secret.Properties).toMatchObject({
      Name: 'rempart/booking/person-pepper',
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^IdentityKey/) as string, 'Arn'] },
      ReplicaRegions: [
        {
          Region: 'eu-central-1',
          KmsKeyId: 'arn:aws:kms:eu-central-1:111111111111:alias/rempart-dev/booking-identity',
        },
      ],
    });
    expect(Object.keys(secret.Properties as object)).not.toContain('SecretString'); // generated, never in the template
    for (const data of [primaryData, secondaryData]) {
      data.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/rempart-dev/booking-identity' });
    }
  });

  it('encrypts the secondary replica with the secondary data key, named by its alias', () => {
    primaryData.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: Match.arrayWith([
        Match.objectLike({
          Region: 'eu-central-1',
          SSESpecification: {
            KMSMasterKeyId: 'arn:aws:kms:eu-central-1:111111111111:alias/rempart-dev/booking-data',
          },
        }),
      ]),
    });
    secondaryData.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/rempart-dev/booking-data' });
  });

  it('lets only CloudFront distributions of this account read the site bucket, and decrypt with its key', () => {
    const conditions = {
      StringEquals: { 'AWS:SourceAccount': '111111111111' },
      ArnLike: { 'AWS:SourceArn': 'arn:aws:cloudfront::111111111111:distribution/*' },
    };
    for (const t of [primaryData, secondaryData]) {
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'CloudFrontOacRead',
              Principal: { Service: 'cloudfront.amazonaws.com' },
              Action: 's3:GetObject',
              Condition: conditions,
            }),
          ]),
        },
      });
      t.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({ Sid: 'CloudFrontOacDecrypt', Action: 'kms:Decrypt', Condition: conditions }),
          ]),
        },
      });
    }
  });

  it('keeps the site bucket versioned, TLS-only and logged; the primary replicates it to the secondary', () => {
    primaryData.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/booking-site/' }),
      ReplicationConfiguration: Match.objectLike({
        Rules: [Match.objectLike({ Destination: Match.objectLike({ Bucket: Match.anyValue() }) })],
      }),
    });
    secondaryData.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      ReplicationConfiguration: Match.absent(),
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/booking-site/' }),
    });
    // Named deterministically, so that the edge stack imports it by name without an export.
    primaryData.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.stringLikeRegexp('^rempart-dev-booking-site-\\d{12}-eu-west-3$'),
    });
  });

  it('is termination protected and deploys the secondary first (its key alias and bucket are named by the primary)', () => {
    expect(primary.bookingData.terminationProtection).toBe(true);
    expect(composed[0].bookingData.dependencies).toContain(composed[1].bookingData);
    expect(composed[1].bookingApi.dependencies).toContain(composed[0].bookingData);
  });
});

describe('BookingApiStack', () => {
  it('derives stage and write throttling from the surge profile', () => {
    primaryApi.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          ResourcePath: '/*',
          ThrottlingRateLimit: settings.apiRateLimit,
          ThrottlingBurstLimit: settings.apiBurstLimit,
        }),
        Match.objectLike({
          ResourcePath: '/~1api~1bookings',
          ThrottlingRateLimit: settings.writeRateLimit,
          ThrottlingBurstLimit: settings.writeBurstLimit,
        }),
      ]),
    });
  });

  it('sizes the worker from the surge profile: max concurrency, reserved concurrency, batch, visibility timeout', () => {
    primaryApi.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: settings.workerMaxConcurrency },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    primaryApi.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: settings.workerReservedConcurrency,
      Timeout: 30,
      Environment: { Variables: Match.objectLike({ TABLE_NAME: 'Rempart-dev-booking' }) },
    });
    primaryApi.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 180 });
  });

  it('serves every route under /api', () => {
    const paths = Object.values(primaryApi.findResources('AWS::ApiGateway::Resource')).map((r) =>
      String(r.Properties.PathPart),
    );
    expect(paths).toEqual(
      expect.arrayContaining([
        'api',
        'bookings',
        '{requestId}',
        'centres',
        '{centreId}',
        'slots',
        'progress',
        'health',
      ]),
    );
    expect(primary.bookingApi.restApi).toBe(primary.bookingApi.writeApi.api);
  });

  it('puts verified identity on every write and personal read, and leaves only shared reads public', () => {
    const api = primary.bookingApi;
    const idOf = (c: { node: { defaultChild?: unknown } }) =>
      api.getLogicalId(c.node.defaultChild as CfnResource);
    const authorizerId = (a: { authorizer: unknown }) => ({
      Ref: idOf(a.authorizer as { node: { defaultChild?: unknown } }),
    });
    // The waiting room's routes (/admission/...) are anonymous by design: asserted apart below.
    const admissionIds = new Set(
      (api.admission?.apiResource.node.findAll() ?? [])
        .filter((c) => c instanceof apigateway.Method)
        .map((m) => idOf(m as unknown as { node: { defaultChild?: unknown } })),
    );
    expect(admissionIds.size).toBe(5); // join, status, ticket, position, enter
    const all = primaryApi.findResources('AWS::ApiGateway::Method');
    for (const id of admissionIds) expect(all[id].Properties.AuthorizationType).toBe('NONE');
    const methods = Object.entries(all)
      .filter(([id]) => !admissionIds.has(id))
      .map(([, m]) => m.Properties as Record<string, unknown>);
    const byVerb = (verb: string) => methods.filter((m) => m.HttpMethod === verb);
    for (const m of [...byVerb('POST'), ...byVerb('DELETE')]) {
      expect(m).toMatchObject({
        AuthorizationType: 'CUSTOM',
        AuthorizerId: authorizerId(api.writeAuthorizer),
      });
    }
    expect(byVerb('DELETE')).toHaveLength(1);
    const personal = byVerb('GET').filter((m) => m.AuthorizationType === 'CUSTOM');
    expect(personal).toHaveLength(1);
    expect(personal[0].AuthorizerId).toEqual(authorizerId(api.readAuthorizer));
    expect(byVerb('GET').filter((m) => m.AuthorizationType === 'NONE')).toHaveLength(4); // centres, slots, progress, health
    primaryApi.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: 'method.request.header.Authorization',
    });
    primaryApi.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      AuthorizerResultTtlInSeconds: 300,
    });
  });

  it('queues the person from the write authorizer, never from the body, and bounds the body at 1,024 characters', () => {
    const post = Object.values(
      primaryApi.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'POST' } }),
    )[0].Properties as { Integration: { RequestTemplates: Record<string, string> } };
    const template = post.Integration.RequestTemplates['application/json'];
    expect(template).toMatch(/^#if\(\$input\.body\.length\(\) > 1024\)/);
    expect(template).toContain('MessageAttribute.4.Name=personKey');
    expect(template).toContain('StringValue=$util.urlEncode($context.authorizer.personKey)');
    primaryApi.hasResourceProperties('AWS::ApiGateway::Model', {
      Schema: Match.objectLike({ additionalProperties: false, required: ['centreId', 'slotId'] }),
    });
    primaryApi.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'ACCESS_DENIED',
      StatusCode: '429',
    });
  });

  it('configures both authorizers from booking.identity, the write one with booking.limits, each able to read the pepper only through Secrets Manager', () => {
    const identity = config.booking.identity;
    const limits = config.booking.limits;
    for (const a of [primary.bookingApi.readAuthorizer, primary.bookingApi.writeAuthorizer]) {
      const fn =
        primaryApi.toJSON().Resources[
          primary.bookingApi.getLogicalId(a.function.function.node.defaultChild as CfnResource)
        ];
      expect(fn.Properties.Environment.Variables).toMatchObject({
        OIDC_ISSUER: identity.issuer,
        OIDC_AUDIENCE: identity.audience,
        OIDC_JWKS_URL: identity.jwksUrl,
        OIDC_ALGORITHMS: identity.algorithms.join(','),
        PERSON_PEPPER_SECRET_ID: identity.pepperSecretName,
      });
      const statements = roleStatements(a.function);
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Action: 'kms:Decrypt',
            Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-3.amazonaws.com' } },
          }),
          expect.objectContaining({
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
          }),
        ]),
      );
    }
    const writeFn =
      primaryApi.toJSON().Resources[
        primary.bookingApi.getLogicalId(
          primary.bookingApi.writeAuthorizer.function.function.node.defaultChild as CfnResource,
        )
      ];
    expect(writeFn.Properties.Environment.Variables).toMatchObject({
      TABLE_NAME: 'Rempart-dev-booking',
      LIMIT_MAX_IN_FLIGHT: String(limits.maxInFlight),
      LIMIT_REQUESTS_PER_WINDOW: String(limits.requestsPerWindow),
      LIMIT_WINDOW_SECONDS: String(limits.windowSeconds),
      LIMIT_IN_FLIGHT_LEASE_SECONDS: String(limits.inFlightLeaseSeconds),
      LIMIT_MAX_TRACKED_REQUESTS: String(limits.maxTrackedRequests),
    });
    expect(writeFn.Properties.ReservedConcurrentExecutions).toBe(settings.writeAuthorizerReservedConcurrency);
  });

  it('gives each function exactly the DynamoDB actions its adapters issue, all allowed on an MRSC table', () => {
    for (const { bookingApi } of [primary, secondary]) {
      // The worker only writes, conditionally: a refused write returns the item it was refused on.
      expect(actionsOf(bookingApi.worker, 'dynamodb')).toEqual(['dynamodb:UpdateItem']);
      expect(actionsOf(bookingApi.writeAuthorizer.function, 'dynamodb')).toEqual([
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
      ]);
      expect(actionsOf(bookingApi.readAuthorizer.function, 'dynamodb')).toEqual([]);
      expect(actionsOf(bookingApi.catalogueFunction, 'dynamodb')).toEqual(['dynamodb:Query']);
      expect(actionsOf(bookingApi.statusFunction, 'dynamodb')).toEqual([
        'dynamodb:GetItem',
        'dynamodb:Query',
      ]);
      expect(actionsOf(bookingApi.healthFunction, 'dynamodb')).toEqual([]);
    }
    const allowed = MRSC_ALLOWED_COMMANDS.map((c) => `dynamodb:${c.replace(/Command$/, '')}`);
    for (const fn of [
      primary.bookingApi.worker,
      primary.bookingApi.writeAuthorizer.function,
      primary.bookingApi.catalogueFunction,
      primary.bookingApi.statusFunction,
    ]) {
      for (const action of actionsOf(fn, 'dynamodb')) expect(allowed).toContain(action);
    }
  });

  it('keeps the table key grants DynamoDB needs with a customer-managed key: read for readers, read and write for the worker', () => {
    const { worker, catalogueFunction, statusFunction } = primary.bookingApi;
    expect(actionsOf(worker, 'kms')).toEqual([
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey*',
      'kms:ReEncrypt*',
    ]);
    for (const fn of [catalogueFunction, statusFunction]) {
      expect(actionsOf(fn, 'kms')).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    }
  });

  it('gives the read functions read-only access to the local replica; the secondary imports it by name', () => {
    const writes = [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
    ];
    for (const { bookingApi } of [primary, secondary]) {
      for (const fn of [bookingApi.catalogueFunction, bookingApi.statusFunction]) {
        const actions = actionsOf(fn, 'dynamodb');
        expect(actions).toContain('dynamodb:Query');
        for (const w of writes) expect(actions).not.toContain(w);
      }
    }
    primaryApi.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ READ_CACHE_SECONDS: '5', TABLE_NAME: 'Rempart-dev-booking' }),
      },
      ReservedConcurrentExecutions: settings.catalogueReservedConcurrency,
    });
    const secondaryApi = Template.fromStack(secondary.bookingApi);
    secondaryApi.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['dynamodb:GetItem', 'dynamodb:Query'],
            Resource: 'arn:aws:dynamodb:eu-central-1:111111111111:table/Rempart-dev-booking',
          }),
        ]),
      },
    });
  });

  it('passes the configured API Gateway burst quota to the API, so a raised quota above 5,000 synthesizes', () => {
    const raised = testConfig({ booking: { quotas: { apiGatewayBurst: 8_000 } } });
    const raisedSettings = bookingSettings(raised.booking);
    expect(raisedSettings.apiBurstLimit).toBeGreaterThan(5_000);
    const { bookingApi } = build('eu-west-3', true, raised, testApp());
    Template.fromStack(bookingApi).hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ResourcePath: '/*', ThrottlingBurstLimit: raisedSettings.apiBurstLimit }),
      ]),
    });
  });

  it('puts the waiting room on the booking API at the derived pace, signing with the Region replica of the edge key', () => {
    const admission = primary.bookingApi.admission;
    expect(admission?.settings.admitPerSecond).toBeCloseTo(settings.capacity.admittedPeoplePerSecond, 6);
    expect(admission?.settings.admitPerSecond).toBeLessThan(config.booking.surge.workerBookingsPerSecond);
    expect(admission?.settings.regions).toEqual([config.regions.primary, config.regions.secondary]);
    expect(admission?.settings.eventId).toBe(config.booking.waitingRoom.eventId);
    // Its items live in the booking table, its joins in a queue under the booking data key.
    expect(admission?.table).toBe(primary.bookingApi.table);
    primaryApi.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: Match.anyValue(),
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
    });
    // Controller and sweep: scheduled, with their own reason (no dead-letter queue to replay).
    primaryApi.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    const enterId = primary.bookingApi.getLogicalId(
      admission?.enterFunction.function.node.defaultChild as CfnResource,
    );
    const enter = primaryApi.findResources('AWS::Lambda::Function')[enterId];
    expect(JSON.stringify(enter.Properties.Environment.Variables)).toContain(
      'secret:rempart-dev/booking/admission/signing-key-a',
    );
    // The Region-health composite alarm by name: a fail-open signal without a cross-stack reference.
    expect(JSON.stringify(primary.bookingApi.resolve(admission?.failOpenSignals))).toContain(
      ':alarm:Rempart-eu-west-3-RegionHealth',
    );
  });

  it('creates nothing of the waiting room when booking.waitingRoom.enabled is false', () => {
    // Without admission the whole crowd reaches the origins: a longer cache keeps it under the quota.
    const off = testConfig({ booking: { waitingRoom: { enabled: false }, surge: { cacheHitRatio: 0.97 } } });
    const { bookingApi } = build('eu-west-3', true, off, testApp());
    expect(bookingApi.admission).toBeUndefined();
    const t = Template.fromStack(bookingApi);
    t.resourceCountIs('AWS::Events::Rule', 0);
    expect(
      Object.keys(t.findResources('AWS::ApiGateway::Resource', { Properties: { PathPart: 'admission' } })),
    ).toEqual([]);
  });

  it('guards the stage with a REGIONAL web ACL (CloudFront origin verification)', () => {
    primaryApi.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'REGIONAL' });
    primaryApi.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });
  it('has a fault configuration bucket named from the configuration, and no FIS extension on the worker by default', () => {
    primaryApi.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ BucketName: 'rempart-dev-fis-111111111111-eu-west-3' }),
      DeletionPolicy: 'Delete',
    });
    expect(primary.bookingApi.faultConfigLocationArn).toBeUndefined();
    expect(primary.bookingApi.worker.faultConfigLocationArn).toBeUndefined();
    primaryApi.resourcePropertiesCountIs('AWS::Lambda::Function', { Layers: Match.anyValue() }, 0);
  });
});
