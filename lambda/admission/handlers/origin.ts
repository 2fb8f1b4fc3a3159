import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { waitingPageHtml } from '../../../lib/constructs/admission-control/edge/waiting-page/waiting-page';
import { NOSCRIPT_REFRESH_SECONDS } from '../../../lib/constructs/admission-control/contract';
import { DynamoAdmissionStore } from '../adapters/admission-store';
import { documentClient } from '../adapters/dynamodb';
import { ticketPosition } from '../domain/enter';
import { TICKET_ID } from '../domain/model';
import type { TicketReader } from '../domain/ports';
import type { AdmissionSettings } from '../domain/settings';
import { badRequest, noscriptView, statusAnswer, ticketAnswer, waitingStatus } from '../domain/views';
import { toProxyResult, ticketCookie } from './http';
import { ADMISSION_ENV, requiredEnv, settingsFromEnv } from './runtime';

export interface OriginDeps {
  readonly port: TicketReader;
  readonly settings: AdmissionSettings;
  readonly now?: () => number;
}

export type OriginHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/**
 * The waiting room's reads, all cacheable: GET status (the same for everyone, from a cursor copy at
 * most a second old), GET ticket/{ticketId} (immutable once placed), GET position (the page without
 * JavaScript, for the ticket in its cookie).
 */
export function makeOriginHandler(deps: OriginDeps): OriginHandler {
  const now = deps.now ?? Date.now;
  return async (event) => {
    const resource = event.resource ?? '';
    if (resource.endsWith('/status')) {
      const cursor = await deps.port.readCursor({ fresh: false });
      return toProxyResult(statusAnswer(waitingStatus(deps.settings, cursor, now())));
    }
    if (resource.endsWith('/ticket/{ticketId}')) {
      const ticketId = event.pathParameters?.ticketId ?? '';
      if (!TICKET_ID.test(ticketId)) return toProxyResult(badRequest('not a ticket id'));
      const position = await ticketPosition(deps.port, deps.settings, ticketId);
      return toProxyResult(ticketAnswer({ ticketId, position }));
    }
    if (resource.endsWith('/position')) {
      const cursor = await deps.port.readCursor({ fresh: false });
      const status = waitingStatus(deps.settings, cursor, now());
      const ticket = ticketCookie(event);
      const ticketId = ticket && TICKET_ID.test(ticket.ticketId) ? ticket.ticketId : undefined;
      const position = ticketId ? await ticketPosition(deps.port, deps.settings, ticketId) : null;
      return {
        statusCode: 200,
        headers: {
          'Content-Type': 'text/html; charset=utf-8',
          // Per person (keyed on the ticket cookie): never in a shared cache.
          'Cache-Control': `private, max-age=${NOSCRIPT_REFRESH_SECONDS}`,
        },
        body: waitingPageHtml(ticketId ? noscriptView(ticketId, position, status) : undefined),
      };
    }
    return toProxyResult(badRequest(`no such admission resource: ${resource}`));
  };
}

let cached: OriginHandler | undefined;

export const handler: OriginHandler = (event) => {
  if (!cached) {
    const settings = settingsFromEnv();
    cached = makeOriginHandler({
      port: new DynamoAdmissionStore(documentClient(), requiredEnv(ADMISSION_ENV.table), settings),
      settings,
    });
  }
  return cached(event);
};
