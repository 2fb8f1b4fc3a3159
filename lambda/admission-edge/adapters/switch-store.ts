import {
  CloudFrontKeyValueStoreClient,
  DescribeKeyValueStoreCommand,
  GetKeyCommand,
  UpdateKeysCommand,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
// The KeyValueStore API is signed with SigV4A, which the SDK does only once this is loaded; both are
// bundled with the function (RempartFunction bundleAwsSdk), not taken from the runtime.
import '@aws-sdk/signature-v4a';
import { KVS_FAIL_OPEN, KVS_FAIL_OPEN_VERDICT } from '../../../lib/constructs/admission-control/contract';
import type { KeyPut } from '../domain/fail-open';
import type { SwitchStorePort } from '../domain/ports';

/** The switch's two keys in the edge gate's KeyValueStore, every write conditional on the ETag. */
export class KeyValueSwitchStore implements SwitchStorePort {
  constructor(
    private readonly kvsArn: string,
    private readonly client: CloudFrontKeyValueStoreClient = new CloudFrontKeyValueStoreClient({}),
  ) {}

  public async read(): Promise<{ etag: string; value?: string; lastVerdict?: string }> {
    // ETag first: a write that lands between this and the reads makes the conditional write fail,
    // never succeed on values read before it.
    const { ETag } = await this.client.send(new DescribeKeyValueStoreCommand({ KvsARN: this.kvsArn }));
    if (!ETag) throw new Error(`DescribeKeyValueStore returned no ETag for ${this.kvsArn}`);
    const [value, lastVerdict] = await Promise.all([
      this.get(KVS_FAIL_OPEN),
      this.get(KVS_FAIL_OPEN_VERDICT),
    ]);
    return { etag: ETag, value, lastVerdict };
  }

  public async write(etag: string, puts: readonly KeyPut[]): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateKeysCommand({
          KvsARN: this.kvsArn,
          IfMatch: etag,
          Puts: puts.map((p) => ({ Key: p.key, Value: p.value })),
        }),
      );
      return true;
    } catch (e) {
      if ((e as { name?: string }).name === 'ConflictException') return false;
      throw e;
    }
  }

  private async get(key: string): Promise<string | undefined> {
    try {
      return (await this.client.send(new GetKeyCommand({ KvsARN: this.kvsArn, Key: key }))).Value;
    } catch (e) {
      if ((e as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      throw e;
    }
  }
}
