// RempartFunction: the one Lambda function shape (Node.js 24 on arm64, X-Ray, encrypted JSON logs,
// least-privilege role, bundled by the local esbuild, never Docker).
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { InvocationKind, RempartFunction } from '../lib'; // in your app: from 'rempart'

export function rempartFunctionExample(app: App): Stack {
  const stack = new Stack(app, 'RempartFunctionExample', { env: { region: 'eu-west-3' } });
  new RempartFunction(stack, 'Hello', {
    entry: path.join(__dirname, 'handlers/hello.ts'),
    description: 'Answers the health probe of the example service',
    // Synchronous callers receive the error themselves: no dead-letter queue to configure.
    invocation: InvocationKind.SYNCHRONOUS,
    // Its share of the Region's concurrency, so that a surge elsewhere cannot starve it.
    reservedConcurrentExecutions: 5,
  });
  return stack;
}
