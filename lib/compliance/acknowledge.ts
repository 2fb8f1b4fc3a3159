import { App, Stack, Stage, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { expandAcknowledgedId } from './controls';

const MIN_REASON_LENGTH = 20;

/**
 * One accepted compliance finding and the reason an auditor will read, as passed to `acknowledge()`.
 * The id is checked against the known controls and the reason's length at synth, so a typo cannot
 * silently acknowledge nothing.
 */
export interface Acknowledgement {
  /**
   * What is accepted: a Rempart control of `lib/compliance/controls.ts` (e.g. `lambda-outside-vpc`,
   * `iam-wildcard-justified[Resource::*]`), or the exact finding id as the report prints it,
   * including the `[finding]` part of granular rules (`AwsSolutions-IAM5[Action::s3:*]`) and the
   * namespace of validation plugins (`cdk-validator-cfnguard::sqs_dlq_check`). A finding id that a
   * control lists acknowledges the whole control: its equivalents in every other pack.
   */
  readonly id: string;
  /** Why the finding is accepted, written for an auditor. At least 20 characters. */
  readonly reason: string;
}

/**
 * The only way Rempart acknowledges a compliance finding. It refuses app-, stage- and stack-wide
 * acknowledgements (they hide future findings), malformed ids, unknown controls and reasons too
 * short to audit. Each acknowledgement is recorded on the construct for every equivalent rule id of
 * its control, with the control named in the reason, so that an auditor finds the decision once and
 * every pack (cdk-nag, Control Tower) honours it on that construct and its children only.
 */
export function acknowledge(construct: IConstruct, ...acks: Acknowledgement[]): void {
  if (acks.length === 0)
    throw new Error('acknowledge() needs at least one finding. Fix: pass { id, reason }');
  if (construct instanceof App || construct instanceof Stage || Stack.isStack(construct)) {
    throw new Error(
      `acknowledge(): refused on "${construct.node.path || 'app'}", a whole ${construct.constructor.name}. ` +
        'Fix: acknowledge the exact finding on the construct that owns the resource',
    );
  }
  for (const { id, reason } of acks) {
    let expanded: ReturnType<typeof expandAcknowledgedId>;
    try {
      expanded = expandAcknowledgedId(id);
    } catch (e) {
      throw new Error(`acknowledge(): on ${construct.node.path}, ${(e as Error).message}`);
    }
    if (reason.trim().length < MIN_REASON_LENGTH) {
      throw new Error(
        `acknowledge(): the reason for ${id} on ${construct.node.path} has ${reason.trim().length} characters. ` +
          `Fix: explain to an auditor why it is accepted, in at least ${MIN_REASON_LENGTH} characters`,
      );
    }
    const recorded = expanded.control ? `[control ${expanded.control}] ${reason.trim()}` : reason.trim();
    Validations.of(construct).acknowledge(
      ...expanded.ids.map((ruleId) => ({ id: ruleId, reason: recorded })),
    );
  }
}
