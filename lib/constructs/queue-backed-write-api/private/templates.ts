/**
 * Mapping templates of the queue-backed write routes (VTL, API Gateway's dialect). Pure string
 * builders: the construct resolves the queue name and passes it in.
 *
 * A REST API service integration always calls its backend: a template cannot answer by itself. So
 * a request the client got wrong (a body over the size limit, an id that is not theirs) is turned
 * into a read-only probe of the queue (`GetQueueAttributes`, no side effect, no message), and the
 * response template recognises the probe's answer by the attribute it asked for and overrides the
 * status with the client's 4xx. A SendMessage answer never names either attribute.
 */

/** Attribute whose probe stands for "body too large" (413). */
export const TOO_LARGE_PROBE = 'MaximumMessageSize';
/** Attribute whose probe stands for "no such item of yours" (404). */
export const NOT_FOUND_PROBE = 'QueueArn';

export interface MessageAttributeSpec {
  readonly name: string;
  readonly dataType: 'String' | 'Number';
  /** VTL expression of the value (already URL-encoded where it may need it). */
  readonly value: string;
}

function probe(attribute: string): string {
  return `Action=GetQueueAttributes&AttributeName.1=${attribute}`;
}

function sendMessage(body: string, attributes: readonly MessageAttributeSpec[]): string {
  return [
    'Action=SendMessage',
    `MessageBody=${body}`,
    ...attributes.flatMap((a, i) => [
      `MessageAttribute.${i + 1}.Name=${a.name}`,
      `MessageAttribute.${i + 1}.Value.DataType=${a.dataType}`,
      `MessageAttribute.${i + 1}.Value.StringValue=${a.value}`,
    ]),
  ].join('&');
}

/** The request id API Gateway hands out: `<prefix>-<API request id>` when bound to the caller. */
export function requestIdExpression(prefixContextKey: string | undefined): string {
  return prefixContextKey
    ? `$util.urlEncode($context.authorizer.${prefixContextKey})-$context.requestId`
    : '$context.requestId';
}

export function commonAttributes(
  operation: 'CREATE' | 'DELETE',
  prefixContextKey: string | undefined,
  contextAttributes: readonly string[],
): MessageAttributeSpec[] {
  return [
    { name: 'requestId', dataType: 'String', value: requestIdExpression(prefixContextKey) },
    { name: 'acceptedAt', dataType: 'Number', value: '$context.requestTimeEpoch' },
    { name: 'operation', dataType: 'String', value: operation },
    ...contextAttributes.map((name): MessageAttributeSpec => ({
      name,
      dataType: 'String',
      value: `$util.urlEncode($context.authorizer.${name})`,
    })),
  ];
}

/**
 * POST: the body as received (already validated against the model), unless it is longer than
 * `maxBodyLength` characters, in which case nothing is sent (413). The bound keeps every queued
 * message far below SQS's size limit, so no client can make SQS refuse a message.
 */
export function createRequestTemplate(
  maxBodyLength: number,
  attributes: readonly MessageAttributeSpec[],
): string {
  return `#if($input.body.length() > ${maxBodyLength})${probe(TOO_LARGE_PROBE)}#{else}${sendMessage(
    '$util.urlEncode($input.body)',
    attributes,
  )}#end`;
}

/**
 * DELETE /<path>/{id}: a message naming the item, only when the id has the expected form and, when
 * ids are bound to callers, carries the caller's prefix; otherwise nothing is sent (404).
 */
export function deleteRequestTemplate(
  pathParameter: string,
  idPattern: string,
  prefixContextKey: string | undefined,
  attributes: readonly MessageAttributeSpec[],
): string {
  const owned = prefixContextKey ? ` || !$id.startsWith("$context.authorizer.${prefixContextKey}-")` : '';
  const body = `$util.urlEncode("{\${q}${pathParameter}\${q}:\${q}\${id}\${q}}")`;
  return (
    `#set($id = $input.params('${pathParameter}'))#set($q = '"')` +
    `#if(!$id.matches('${idPattern}')${owned})${probe(NOT_FOUND_PROBE)}#{else}${sendMessage(body, attributes)}#end`
  );
}

/** 2xx from SQS: 202 with `accepted`, or the 4xx a probe stands for. */
export function acceptedResponseTemplate(accepted: string, maxBodyLength: number): string {
  const tooLarge = JSON.stringify({
    message: `The request body is longer than ${maxBodyLength} characters; nothing was queued.`,
  });
  const notFound = JSON.stringify({ message: 'Not found among your requests; nothing was queued.' });
  return (
    `#if($input.body.contains("${TOO_LARGE_PROBE}"))#set($context.responseOverride.status = 413)${tooLarge}` +
    `#elseif($input.body.contains("${NOT_FOUND_PROBE}"))#set($context.responseOverride.status = 404)${notFound}` +
    `#{else}${accepted}#end`
  );
}
