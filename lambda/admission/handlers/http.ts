import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { TICKET_COOKIE_NAME } from '../../../lib/constructs/admission-control/contract';
import type { HttpAnswer } from '../domain/views';

export function toProxyResult(answer: HttpAnswer): APIGatewayProxyResult {
  return { statusCode: answer.statusCode, headers: { ...answer.headers }, body: answer.body };
}

export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {})) {
    if (k.toLowerCase() === wanted && typeof v === 'string') return v;
  }
  return undefined;
}

export function cookies(event: APIGatewayProxyEvent): Map<string, string> {
  const all = new Map<string, string>();
  const raw = [
    header(event, 'cookie'),
    ...(event.multiValueHeaders?.Cookie ?? []),
    ...(event.multiValueHeaders?.cookie ?? []),
  ];
  for (const line of raw) {
    for (const part of (line ?? '').split(';')) {
      const i = part.indexOf('=');
      if (i > 0) all.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
    }
  }
  return all;
}

/** The no-JavaScript ticket cookie: `<ticketId>.<secret>` (contract `TICKET_COOKIE_NAME`). */
export function ticketCookie(event: APIGatewayProxyEvent): { ticketId: string; secret: string } | undefined {
  const value = cookies(event).get(TICKET_COOKIE_NAME);
  const dot = value?.indexOf('.') ?? -1;
  if (!value || dot <= 0) return undefined;
  return { ticketId: value.slice(0, dot), secret: value.slice(dot + 1) };
}

export function bodyText(event: APIGatewayProxyEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

export function isForm(event: APIGatewayProxyEvent): boolean {
  return (header(event, 'content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}
