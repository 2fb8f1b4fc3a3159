import {
  ADMISSION_POSITION_PATH,
  ADMISSION_STATUS_PATH,
  ADMISSION_TICKET_PATH_PREFIX,
  TICKET_COOKIE_NAME,
} from '../contract';

/**
 * API Gateway mapping templates (VTL) of the join: API Gateway writes the join to SQS and answers
 * by itself, no function runs. The ticket id is built from the acceptance time and API Gateway's
 * extended request id (which a client cannot choose, unlike `$context.requestId`), made base64url;
 * the request template and the response template build the same one.
 */
const TICKET_ID_VTL =
  "#set($ticket = \"$context.requestTimeEpoch-$context.extendedRequestId.replace('+', '-').replace('/', '_').replace('=', '')\")";

function sendMessage(body: string, contentType: 'json' | 'form'): string {
  return [
    'Action=SendMessage',
    `MessageBody=${body}`,
    'MessageAttribute.1.Name=ticketId',
    'MessageAttribute.1.Value.DataType=String',
    'MessageAttribute.1.Value.StringValue=$util.urlEncode($ticket)',
    'MessageAttribute.2.Name=acceptedAt',
    'MessageAttribute.2.Value.DataType=Number',
    'MessageAttribute.2.Value.StringValue=$context.requestTimeEpoch',
    'MessageAttribute.3.Name=contentType',
    'MessageAttribute.3.Value.DataType=String',
    `MessageAttribute.3.Value.StringValue=${contentType}`,
  ].join('&');
}

/** Request templates by content type: the JSON body as validated, or (no JavaScript) a secret made here. */
export function joinRequestTemplates(): Record<string, string> {
  return {
    'application/json': TICKET_ID_VTL + sendMessage('$util.urlEncode($input.body)', 'json'),
    // The page without JavaScript posts an empty form: its secret is API Gateway's request id, given
    // back only in the HttpOnly ticket cookie; the queue carries it to the consumer, which stores its hash.
    'application/x-www-form-urlencoded':
      TICKET_ID_VTL + sendMessage('$util.urlEncode("secret=$context.requestId")', 'form'),
  };
}

/**
 * Response template of an accepted join: 202 with the ticket (JSON), or for a form post a 303 to the
 * no-JavaScript position view with the ticket cookie `<ticketId>.<secret>` (contract TICKET_COOKIE_NAME).
 */
export function joinResponseTemplate(ticketCookieMaxAgeSeconds: number, retryAfterSeconds: number): string {
  return [
    TICKET_ID_VTL,
    "#if($input.params('Content-Type').toLowerCase().startsWith('application/x-www-form-urlencoded'))",
    '#set($context.responseOverride.status = 303)',
    `#set($context.responseOverride.header.Location = "${ADMISSION_POSITION_PATH}")`,
    `#set($context.responseOverride.header.Set-Cookie = "${TICKET_COOKIE_NAME}=$!{ticket}.$context.requestId; Max-Age=${ticketCookieMaxAgeSeconds}; Path=/admission/; Secure; HttpOnly; SameSite=Lax")`,
    '#else',
    JSON.stringify({
      ticketId: '$ticket',
      status: 'PENDING',
      acceptedAt: 0,
      ticketPath: `${ADMISSION_TICKET_PATH_PREFIX}$ticket`,
      statusPath: ADMISSION_STATUS_PATH,
      retryAfterSeconds,
    }).replace('"acceptedAt":0', '"acceptedAt":$context.requestTimeEpoch'),
    '#end',
  ].join('\n');
}
