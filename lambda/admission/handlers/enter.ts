import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  ADMISSION_KIDS,
  admissionSetCookie,
  signAdmissionCookie,
  type AdmissionKid,
} from '../../../lib/constructs/admission-control/contract';
import { DynamoAdmissionStore } from '../adapters/admission-store';
import { documentClient } from '../adapters/dynamodb';
import { enter } from '../domain/enter';
import { AdmissionMetric } from '../domain/metrics';
import type { EntryPort } from '../domain/ports';
import type { AdmissionSettings } from '../domain/settings';
import { entryAnswer } from '../domain/views';
import { bodyText, isForm, ticketCookie, toProxyResult } from './http';
import { ADMISSION_ENV, admissionLogger, admissionMetrics, requiredEnv, settingsFromEnv } from './runtime';

export interface EnterDeps {
  readonly port: EntryPort;
  readonly settings: AdmissionSettings;
  /** Key slot new cookies are signed with, and its key (from Secrets Manager in production). */
  readonly kid: AdmissionKid;
  readonly signingKey: () => Promise<string>;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly now?: () => number;
}

export type EnterHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

function requestOf(event: APIGatewayProxyEvent): {
  ticketId: unknown;
  secret: unknown;
  next: string | undefined;
  form: boolean;
} {
  if (isForm(event)) {
    // No JavaScript: the ticket and its secret travel in the HttpOnly ticket cookie set at the join.
    const fields = new URLSearchParams(bodyText(event));
    const ticket = ticketCookie(event);
    return {
      ticketId: ticket?.ticketId,
      secret: ticket?.secret,
      next: fields.get('next') ?? undefined,
      form: true,
    };
  }
  try {
    const body = JSON.parse(bodyText(event)) as Record<string, unknown>;
    return {
      ticketId: body.ticketId,
      secret: body.secret,
      next: typeof body.next === 'string' ? body.next : undefined,
      form: false,
    };
  } catch {
    return { ticketId: undefined, secret: undefined, next: undefined, form: false };
  }
}

/**
 * POST enter: exchange a served ticket and its secret for the signed admission cookie (contract
 * `signAdmissionCookie`, key from Secrets Manager), exactly once per ticket; a replay gets the same
 * cookie again. Answers JSON, or redirects for the form of the page without JavaScript.
 */
export function makeEnterHandler(deps: EnterDeps): EnterHandler {
  const now = deps.now ?? Date.now;
  return async (event) => {
    const request = requestOf(event);
    const t = now();
    const outcome = await enter(deps.port, deps.settings, request, t);
    if (outcome.kind === 'refused') {
      deps.metrics?.addMetric(AdmissionMetric.entryRefused, MetricUnit.Count, 1);
      deps.metrics?.publishStoredMetrics();
      deps.logger?.info('entry refused', { reason: outcome.reason, position: outcome.position });
      return toProxyResult(entryAnswer({ outcome, next: request.next, form: request.form }));
    }
    const cookie = signAdmissionCookie(
      {
        kid: deps.kid,
        eventId: deps.settings.eventId,
        expiresEpochSeconds: outcome.expiresEpochSeconds,
        admissionId: outcome.ticketId,
      },
      await deps.signingKey(),
    );
    if (outcome.first) deps.metrics?.addMetric(AdmissionMetric.entered, MetricUnit.Count, 1);
    deps.metrics?.publishStoredMetrics();
    const setCookie = admissionSetCookie(
      cookie,
      Math.max(1, outcome.expiresEpochSeconds - Math.floor(t / 1000)),
    );
    return toProxyResult(entryAnswer({ outcome, cookie, setCookie, next: request.next, form: request.form }));
  };
}

let cached: EnterHandler | undefined;

export const handler: EnterHandler = (event) => {
  if (!cached) {
    const settings = settingsFromEnv();
    const kid = requiredEnv(ADMISSION_ENV.signingKid);
    if (!(ADMISSION_KIDS as readonly string[]).includes(kid)) throw new Error(`SIGNING_KID is "${kid}"`);
    const secretId = requiredEnv(ADMISSION_ENV.signingKeySecret);
    cached = makeEnterHandler({
      port: new DynamoAdmissionStore(documentClient(), requiredEnv(ADMISSION_ENV.table), settings),
      settings,
      kid: kid as AdmissionKid,
      // Cached five minutes: a rotation writes the idle slot first, so a stale copy stays valid.
      signingKey: async () => {
        const key = await getSecret(secretId, { maxAge: 300 });
        if (typeof key !== 'string' || key.length < 32)
          throw new Error('the signing key secret is empty or too short');
        return key;
      },
      logger: admissionLogger(),
      metrics: admissionMetrics(settings),
    });
  }
  return cached(event);
};
