import type { Res } from '../../tools/report/cfn';
import { managedGroups, rateRules, writesOnly } from '../../tools/report/waf';

/** A web ACL as a template writes it; only the properties the readers look at. */
function acl(rules: unknown[]): Res {
  return {
    logicalId: 'Acl',
    type: 'AWS::WAFv2::WebACL',
    props: { Scope: 'CLOUDFRONT', Rules: rules },
    resource: { Type: 'AWS::WAFv2::WebACL' },
    stack: {} as Res['stack'],
  };
}

const method = (regex: string) => ({
  RegexMatchStatement: {
    FieldToMatch: { Method: {} },
    RegexString: regex,
    TextTransformations: [{ Priority: 0, Type: 'LOWERCASE' }],
  },
});

describe('reading WAF rules from a template', () => {
  test('a regex scope-down on the method is read as the list of methods it matches', () => {
    const [rule] = rateRules(
      acl([
        {
          Name: 'Writes',
          Priority: 2,
          Action: { Block: {} },
          Statement: {
            RateBasedStatement: {
              Limit: 300,
              EvaluationWindowSec: 300,
              AggregateKeyType: 'IP',
              ScopeDownStatement: method('^(post|put|patch|delete)$'),
            },
          },
        },
      ]),
    );
    expect(rule).toEqual(
      expect.objectContaining({
        name: 'Writes',
        limit: 300,
        perAddress: true,
        methods: ['POST', 'PUT', 'PATCH', 'DELETE'],
        action: 'Block',
        index: 0,
      }),
    );
    expect(rule && writesOnly(rule)).toBe(true);
  });

  test('byte-match methods and paths nested in And/Not statements are found; custom keys are named', () => {
    const [rule] = rateRules(
      acl([
        {
          Name: 'BookingWrites',
          Priority: 0,
          Action: { Count: {} },
          Statement: {
            RateBasedStatement: {
              Limit: 100,
              EvaluationWindowSec: 60,
              AggregateKeyType: 'CUSTOM_KEYS',
              CustomKeys: [{ IP: {} }, { Cookie: { Name: 'session' } }],
              ScopeDownStatement: {
                AndStatement: {
                  Statements: [
                    {
                      ByteMatchStatement: {
                        FieldToMatch: { Method: {} },
                        SearchString: 'POST',
                        PositionalConstraint: 'EXACTLY',
                      },
                    },
                    {
                      ByteMatchStatement: {
                        FieldToMatch: { UriPath: {} },
                        SearchString: '/api/bookings',
                        PositionalConstraint: 'STARTS_WITH',
                      },
                    },
                  ],
                },
              },
            },
          },
        },
      ]),
    );
    expect(rule).toEqual(
      expect.objectContaining({
        keys: ['IP', 'Cookie session'],
        perAddress: false,
        methods: ['POST'],
        paths: ['STARTS_WITH /api/bookings'],
        action: 'Count',
        windowSeconds: 60,
      }),
    );
  });

  test('a rule that also counts reads is not a writes-only rule', () => {
    const [rule] = rateRules(
      acl([
        {
          Name: 'All',
          Priority: 0,
          Action: { Block: {} },
          Statement: {
            RateBasedStatement: {
              Limit: 500,
              AggregateKeyType: 'IP',
              ScopeDownStatement: method('^(get|post)$'),
            },
          },
        },
      ]),
    );
    expect(rule && writesOnly(rule)).toBe(false);
  });

  test('managed groups say whether they enforce or only count', () => {
    expect(
      managedGroups(
        acl([
          {
            Name: 'Common',
            Priority: 0,
            OverrideAction: { Count: {} },
            Statement: {
              ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' },
            },
          },
          {
            Name: 'Bad',
            Priority: 1,
            OverrideAction: { None: {} },
            Statement: {
              ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' },
            },
          },
        ]),
      ).map((g) => `${g.group}:${g.mode}`),
    ).toEqual(['AWSManagedRulesCommonRuleSet:count', 'AWSManagedRulesKnownBadInputsRuleSet:enforcing']);
  });
});
