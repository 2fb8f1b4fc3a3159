import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  admit,
  type AdmissionDecision,
  type AdmissionLimits,
  type AdmissionRequest,
  type GateState,
} from '../domain/admission';
import { keys } from '../domain/model';
import { errorName, retryOnReplicatedConflict } from './dynamodb';

const CONDITION_FAILED = 'ConditionalCheckFailedException';
const MAX_ATTEMPTS = 6;

function n(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function toGateState(item: Record<string, unknown> | undefined): GateState {
  if (!item) return {};
  return {
    version: n(item.gv),
    windowStart: n(item.gw),
    windowCount: n(item.gc),
    inFlight: n(item.inFlight),
    inFlightAt: n(item.inFlightAt),
    tracked: n(item.nq),
  };
}

/**
 * The write authorizer's counters, on the person item itself (so they are global across Regions,
 * like the booking rule): one eventually consistent read, then one write conditional on the
 * version read. A stale read or a concurrent writer only makes the write fail and be recomputed
 * from the item the refusal returns.
 */
export class AdmissionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly limits: AdmissionLimits,
  ) {}

  async admit(personKey: string, request: AdmissionRequest, now: number): Promise<AdmissionDecision> {
    const read = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.person(personKey),
        ProjectionExpression: 'gv, gw, gc, inFlight, inFlightAt, nq',
      }),
    );
    let state = toGateState(read.Item);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const decision = admit(state, request, now, this.limits);
      if (!decision.admitted) return decision;
      const w = decision.write;
      const sets = ['gw = :gw', 'gc = :gc', 'inFlight = :f', 'inFlightAt = :fa', 'lastActivityAt = :now'];
      const values: Record<string, unknown> = {
        ':gw': w.windowStart,
        ':gc': w.windowCount,
        ':f': w.inFlight,
        ':fa': w.inFlightAt,
        ':now': now,
        ':one': 1,
      };
      if (w.pendingCancel) {
        sets.push('pendingCancel = :pc', 'pendingCancelUntil = :pcu');
        values[':pc'] = w.pendingCancel.requestId;
        values[':pcu'] = w.pendingCancel.until;
      }
      if (w.expectedVersion !== undefined) values[':v'] = w.expectedVersion;
      try {
        await retryOnReplicatedConflict(() =>
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: keys.person(personKey),
              UpdateExpression: `SET ${sets.join(', ')} ADD gv :one`,
              ConditionExpression: w.expectedVersion === undefined ? 'attribute_not_exists(gv)' : 'gv = :v',
              ExpressionAttributeValues: values,
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        );
        return decision;
      } catch (e) {
        if (errorName(e) !== CONDITION_FAILED) throw e;
        const item = (e as { Item?: Record<string, AttributeValue> }).Item;
        state = toGateState(item ? unmarshall(item) : undefined);
      }
    }
    throw new Error(`Admission of a person still contended after ${MAX_ATTEMPTS} attempts`);
  }
}
