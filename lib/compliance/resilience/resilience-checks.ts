import type { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, type NagPackProps } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import {
  BackupPlanOffsiteLocked,
  DynamoDBGlobalTableDurable,
  PublicEntryWebACL,
  SQSDLQAlarm,
  WAFRateLimit,
} from './rules';

/**
 * Rempart's own resilience rules (pack name `RempartResilience`): what the three 2021 incidents
 * taught, checked on every synthesized resource like any cdk-nag pack. Each rule lives in its own
 * file under `rules/` as a pure function of one CfnResource; this class only combines them.
 */
export class RempartResilienceChecks extends NagPack {
  /** The pack's name as validation reports print it; finding ids are `RempartResilience-<Rule>`. */
  public readonly name = 'RempartResilience';

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = 'RempartResilience';
  }

  protected checkResource(node: CfnResource): void {
    this.applyRule({
      info: 'The WAF web ACL has no enforcing rate-based rule that a client cannot escape by omitting or varying a cookie or header.',
      explanation:
        'A rate-based rule blocks a client that floods the service (6 April 2021: ENT login surge and DDoS). Without one, every request reaches the origins.',
      level: NagMessageLevel.ERROR,
      rule: WAFRateLimit,
      node,
    });
    this.applyRule({
      info: 'The SQS dead-letter queue has no CloudWatch alarm on its QueueName.',
      explanation:
        'Messages in a dead-letter queue are requests the service accepted and did not process. Without an alarm they are lost silently until a citizen complains.',
      level: NagMessageLevel.ERROR,
      rule: SQSDLQAlarm,
      node,
    });
    this.applyRule({
      info: 'The DynamoDB global table lacks a second replica, point-in-time recovery on every replica, or a customer-managed KMS key.',
      explanation:
        "A global table must survive the loss of a Region (two replicas), a bad write (PITR, 35 days) and keep its key under the service owner's control. No cdk-nag pack inspects AWS::DynamoDB::GlobalTable.",
      level: NagMessageLevel.ERROR,
      rule: DynamoDBGlobalTableDurable,
      node,
    });
    this.applyRule({
      info: 'The backup plan does not copy to a locked vault in another Region, or its own vault has no Vault Lock.',
      explanation:
        'Backups kept next to the data burn with it (10 March 2021, Strasbourg). Vault Lock in compliance mode stops anyone, including a compromised administrator, from deleting recovery points early.',
      level: NagMessageLevel.ERROR,
      rule: BackupPlanOffsiteLocked,
      node,
    });
    this.applyRule({
      info: 'The public entry point (CloudFront distribution, regional REST API stage or internet-facing ALB) has no WAF web ACL.',
      explanation:
        'Any endpoint reachable from the internet without a web ACL bypasses the rate limits and managed rules of the edge.',
      level: NagMessageLevel.ERROR,
      rule: PublicEntryWebACL,
      node,
    });
  }
}
