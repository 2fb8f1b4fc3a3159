import { keyPolicyProblems } from '../../lib/compliance/key-policy-check';

const ROOT = { AWS: 'arn:aws:iam::111111111111:root' };
const denyGrants = {
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 'kms:CreateGrant',
  Resource: '*',
  Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
};

describe('keyPolicyProblems()', () => {
  it("flags CDK's default policy (kms:* for the account) and the missing grant guard", () => {
    expect(
      keyPolicyProblems({
        Statement: [{ Effect: 'Allow', Principal: ROOT, Action: 'kms:*', Resource: '*' }],
      }),
    ).toEqual([
      expect.stringMatching(/statement #0 allows kms:\*/),
      expect.stringMatching(/no statement denies grants.*CT.KMS.PR.3/),
    ]);
  });

  it('flags direct use by IAM principals, use by anyone, and service principals not bound to a source', () => {
    const problems = keyPolicyProblems({
      Statement: [
        denyGrants,
        { Sid: 'Direct', Effect: 'Allow', Principal: ROOT, Action: ['kms:Decrypt'], Resource: '*' },
        {
          Sid: 'Anyone',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-3.amazonaws.com' } },
        },
        {
          Sid: 'Cw',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'kms:GenerateDataKey*',
          Resource: '*',
        },
      ],
    });
    expect(problems).toEqual([
      expect.stringMatching(/statement Direct lets IAM principals call kms:Decrypt directly/),
      expect.stringMatching(/statement Anyone lets any principal use the key/),
      expect.stringMatching(/statement Cw lets cloudwatch.amazonaws.com use the key for anyone/),
    ]);
  });

  it('passes administration, use through services and bound service principals', () => {
    expect(
      keyPolicyProblems({
        Statement: [
          {
            Effect: 'Allow',
            Principal: ROOT,
            Action: ['kms:PutKeyPolicy', 'kms:DescribeKey'],
            Resource: '*',
          },
          denyGrants,
          {
            Effect: 'Allow',
            Principal: ROOT,
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
            Condition: {
              StringEquals: {
                'kms:ViaService': 'dynamodb.eu-west-3.amazonaws.com',
                'kms:CallerAccount': '111111111111',
              },
            },
          },
          {
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:cloudfront::111111111111:distribution/*' } },
          },
        ],
      }),
    ).toEqual([]);
  });
});
