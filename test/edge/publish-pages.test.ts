import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import {
  makeHandler,
  parseRequest,
  type CfnResponse,
  type PageObject,
} from '../../lambda/edge/publish-pages';

const page = {
  Key: '_rempart/retry.html',
  Body: '<html></html>',
  ContentType: 'text/html',
  CacheControl: 'max-age=300',
};

function event(
  type: 'Create' | 'Update' | 'Delete',
  properties: Record<string, unknown> = { BucketName: 'b', Pages: [page] },
) {
  return {
    RequestType: type,
    ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:f',
    ResponseURL: 'https://cloudformation-response.example/abc',
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/Edge/1',
    RequestId: 'req-1',
    LogicalResourceId: 'RetryPagePage',
    ResourceType: 'Custom::RempartStaticPage',
    ResourceProperties: { ServiceToken: 'x', ...properties },
    ...(type === 'Create' ? {} : { PhysicalResourceId: 'RetryPagePage-req-0' }),
  } as unknown as CloudFormationCustomResourceEvent;
}

function harness(failPut = false) {
  const puts: Array<[string, PageObject]> = [];
  const responses: CfnResponse[] = [];
  const handler = makeHandler({
    putObject: (bucket, p) => {
      if (failPut) return Promise.reject(new Error('AccessDenied'));
      puts.push([bucket, p]);
      return Promise.resolve();
    },
    respond: (url, r) => {
      expect(url).toBe('https://cloudformation-response.example/abc');
      responses.push(r);
      return Promise.resolve();
    },
  });
  return { handler, puts, responses };
}

describe('publish-pages custom resource', () => {
  it('writes every page on Create and answers SUCCESS with a new physical id', async () => {
    const h = harness();
    await h.handler(event('Create'));
    expect(h.puts).toEqual([
      [
        'b',
        {
          key: '_rempart/retry.html',
          body: '<html></html>',
          contentType: 'text/html',
          cacheControl: 'max-age=300',
        },
      ],
    ]);
    expect(h.responses).toEqual([
      {
        Status: 'SUCCESS',
        PhysicalResourceId: 'RetryPagePage-req-1',
        StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/Edge/1',
        RequestId: 'req-1',
        LogicalResourceId: 'RetryPagePage',
      },
    ]);
  });

  it('rewrites the pages on Update and keeps the physical id', async () => {
    const h = harness();
    await h.handler(event('Update'));
    expect(h.puts).toHaveLength(1);
    expect(h.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'RetryPagePage-req-0' });
  });

  it('leaves the objects on Delete (the bucket is retained)', async () => {
    const h = harness();
    await h.handler(event('Delete'));
    expect(h.puts).toEqual([]);
    expect(h.responses[0].Status).toBe('SUCCESS');
  });

  it('reports an S3 error to CloudFormation as FAILED instead of letting the deployment time out', async () => {
    const h = harness(true);
    await h.handler(event('Create'));
    expect(h.responses).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: 'AccessDenied' })]);
  });

  it('reports bad properties as FAILED', async () => {
    const h = harness();
    await h.handler(event('Create', { BucketName: 'b', Pages: [] }));
    expect(h.responses[0]).toMatchObject({ Status: 'FAILED', Reason: 'Pages is missing or empty' });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no bucket', { Pages: [page] }, /BucketName is missing/],
    [
      'a page without a body',
      { BucketName: 'b', Pages: [{ ...page, Body: '' }] },
      /Pages\[0\]\.Body is missing/,
    ],
    ['a page that is not an object', { BucketName: 'b', Pages: [null] }, /Pages\[0\]\.Key is missing/],
  ])('rejects %s', (_what, props, message) => {
    expect(() => parseRequest(props)).toThrow(message);
  });
});
