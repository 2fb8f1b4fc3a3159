import { App, Stack, Stage, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** `Pack-Rule` or `Pack-Rule[finding]`, e.g. `AwsSolutions-IAM5[Action::s3:*]`. */
const FINDING_ID = /^[A-Za-z0-9.]+-[A-Za-z0-9.]+(\[[^\]]+\])?$/;
const MIN_REASON_LENGTH = 20;

export interface Acknowledgement {
  /** Exact finding id as cdk-nag prints it, including the `[finding]` part for granular rules. */
  readonly id: string;
  /** Why the finding is accepted, written for an auditor. At least 20 characters. */
  readonly reason: string;
}

/**
 * The only way Rempart acknowledges a compliance finding. It refuses app-, stage- and stack-wide
 * acknowledgements (they hide future findings), malformed ids and reasons too short to audit.
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
    if (!FINDING_ID.test(id)) {
      throw new Error(
        `acknowledge(): "${id}" on ${construct.node.path} is not a finding id. Fix: copy it from the cdk-nag report, e.g. "AwsSolutions-IAM5[Action::s3:*]"`,
      );
    }
    if (reason.trim().length < MIN_REASON_LENGTH) {
      throw new Error(
        `acknowledge(): the reason for ${id} on ${construct.node.path} has ${reason.trim().length} characters. ` +
          `Fix: explain to an auditor why it is accepted, in at least ${MIN_REASON_LENGTH} characters`,
      );
    }
    Validations.of(construct).acknowledge({ id, reason: reason.trim() });
  }
}
