import { globalSetup } from './dynamodb-local';

// jest globalSetup: one DynamoDB Local for the whole run (see dynamodb-local.ts).
export default globalSetup;
