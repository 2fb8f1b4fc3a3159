import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { HttpAnswer } from '../domain/views';

/** Map a domain answer to API Gateway's proxy result. */
export function toProxyResult(answer: HttpAnswer): APIGatewayProxyResult {
  return { statusCode: answer.statusCode, headers: { ...answer.headers }, body: answer.body };
}

export function pathParameter(event: APIGatewayProxyEvent, name: string): string | undefined {
  return event.pathParameters?.[name] ?? undefined;
}

export function requiredEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`Environment variable ${name} is not set`);
  return v;
}
