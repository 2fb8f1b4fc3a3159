import { globalTeardown } from './dynamodb-local';

// jest globalTeardown: stops the DynamoDB Local started by the setup, by its process id.
export default globalTeardown;
