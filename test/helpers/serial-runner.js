// Jest's own runner, told to run its files one after another in the main process: the DynamoDB
// Local and browser tiers share one engine or one CPU-heavy browser and must not overlap.
const TestRunner = require('jest-runner').default;

class SerialRunner extends TestRunner {
  constructor(...args) {
    super(...args);
    this.isSerial = true;
  }
}

module.exports = SerialRunner;
