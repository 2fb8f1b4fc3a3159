import { randomBytes } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  newSecretValue,
  parseRotationEvent,
  rotate,
  type DistributionConfigLike,
  type RotationDeps,
  type RotationSettings,
  type WebAclLike,
} from './domain/origin-secret';

/** Secrets Manager rotation function of a Region's CloudFront origin secret (see domain/origin-secret.ts). */

interface SdkClient {
  send(command: unknown): Promise<Record<string, unknown>>;
}
type Command = new (input: Record<string, unknown>) => unknown;
interface WafModule {
  WAFV2Client: new () => SdkClient;
  GetWebACLCommand: Command;
  UpdateWebACLCommand: Command;
}
interface CloudFrontModule {
  CloudFrontClient: new (config: { region: string }) => SdkClient;
  ListDistributionsCommand: Command;
  GetDistributionConfigCommand: Command;
  UpdateDistributionCommand: Command;
}

// Both clients ship with the Lambda runtime; loaded by name so that they are not bundled.
const WAF_MODULE = '@aws-sdk/client-wafv2';
const CLOUDFRONT_MODULE = '@aws-sdk/client-cloudfront';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is missing`);
  return value;
}

const secrets = new SecretsManagerClient({});
let waf: Promise<{ client: SdkClient; module: WafModule }> | undefined;
let cloudFront: Promise<{ client: SdkClient; module: CloudFrontModule }> | undefined;
const wafClient = () =>
  (waf ??= (import(WAF_MODULE) as Promise<WafModule>).then((module) => ({
    module,
    client: new module.WAFV2Client(),
  })));
// CloudFront's API is global, served from us-east-1.
const cloudFrontClient = () =>
  (cloudFront ??= (import(CLOUDFRONT_MODULE) as Promise<CloudFrontModule>).then((module) => ({
    module,
    client: new module.CloudFrontClient({ region: 'us-east-1' }),
  })));

function deps(webAcl: { name: string; id: string; scope: 'REGIONAL' | 'CLOUDFRONT' }): RotationDeps {
  return {
    async describeSecret(secretId) {
      const out = await secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
      return { rotationEnabled: out.RotationEnabled === true, versions: out.VersionIdsToStages ?? {} };
    },
    async getSecretValue(secretId, stage, versionId) {
      try {
        const out = await secrets.send(
          new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage, VersionId: versionId }),
        );
        return out.SecretString;
      } catch (e) {
        if ((e as { name?: string }).name === 'ResourceNotFoundException') return undefined;
        throw e;
      }
    },
    async putSecretValue(secretId, value, token, stages) {
      await secrets.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: value,
          ClientRequestToken: token,
          VersionStages: stages ? [...stages] : undefined,
        }),
      );
    },
    async moveCurrentStage(secretId, toVersion, fromVersion) {
      await secrets.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: toVersion,
          RemoveFromVersionId: fromVersion,
        }),
      );
    },
    randomValue: () => newSecretValue(randomBytes),
    async getWebAcl() {
      const { client, module } = await wafClient();
      const out = await client.send(
        new module.GetWebACLCommand({ Name: webAcl.name, Id: webAcl.id, Scope: webAcl.scope }),
      );
      return { webAcl: out.WebACL as WebAclLike, lockToken: String(out.LockToken) };
    },
    async updateWebAcl(input) {
      const { client, module } = await wafClient();
      await client.send(new module.UpdateWebACLCommand(input));
    },
    async listDistributionIds() {
      const { client, module } = await cloudFrontClient();
      const ids: string[] = [];
      let marker: string | undefined;
      do {
        const out = await client.send(new module.ListDistributionsCommand({ Marker: marker }));
        const list = out.DistributionList as
          { Items?: Array<{ Id?: string }>; NextMarker?: string } | undefined;
        for (const d of list?.Items ?? []) if (d.Id) ids.push(d.Id);
        marker = list?.NextMarker;
      } while (marker);
      return ids;
    },
    async getDistributionConfig(id) {
      const { client, module } = await cloudFrontClient();
      const out = await client.send(new module.GetDistributionConfigCommand({ Id: id }));
      return { config: out.DistributionConfig as DistributionConfigLike, etag: String(out.ETag) };
    },
    async updateDistribution(id, config, etag) {
      const { client, module } = await cloudFrontClient();
      await client.send(
        new module.UpdateDistributionCommand({ Id: id, IfMatch: etag, DistributionConfig: config }),
      );
    },
  };
}

let configured: { deps: RotationDeps; settings: RotationSettings } | undefined;

export const handler = async (event: unknown): Promise<void> => {
  const rotation = parseRotationEvent(event);
  configured ??= (() => {
    const scope = requiredEnv('WEB_ACL_SCOPE');
    if (scope !== 'REGIONAL' && scope !== 'CLOUDFRONT') throw new Error(`WEB_ACL_SCOPE is ${scope}`);
    return {
      deps: deps({ name: requiredEnv('WEB_ACL_NAME'), id: requiredEnv('WEB_ACL_ID'), scope }),
      settings: {
        previousSecretId: requiredEnv('PREVIOUS_SECRET_ARN'),
        headerName: requiredEnv('ORIGIN_HEADER_NAME'),
        ruleName: requiredEnv('ORIGIN_RULE_NAME'),
        webAclScope: scope,
      },
    };
  })();
  const outcome = await rotate(rotation, configured.deps, configured.settings);
  // Never the values: only what was done.
  console.log(
    JSON.stringify({ message: 'origin secret rotation step', secretId: rotation.secretId, ...outcome }),
  );
};
