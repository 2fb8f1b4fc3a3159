// A quiet reporter: one line per test file, the full failure messages, and one summary line at the
// end. Console output of passing tests (handler logs, SDK notices) is dropped; a failing file's
// console output is printed with its failure.
class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onTestResult(test, result) {
    const file = result.testFilePath.replace(`${this.rootDir}/`, '');
    const project = test.context.config.displayName?.name ?? '';
    const failed = result.numFailingTests > 0 || result.testExecError;
    const seconds = ((result.perfStats.end - result.perfStats.start) / 1000).toFixed(1);
    process.stdout.write(
      `${failed ? 'FAIL' : 'pass'} ${project.padEnd(7)} ${file} (${result.numPassingTests}/${result.testResults.length} tests, ${seconds} s)\n`,
    );
    if (failed) {
      if (result.console?.length) {
        for (const entry of result.console)
          process.stdout.write(`  console.${entry.type}: ${entry.message}\n`);
      }
      process.stdout.write(`${result.failureMessage ?? result.testExecError?.message ?? ''}\n`);
    }
  }

  onRunComplete(_contexts, results) {
    const seconds = ((Date.now() - results.startTime) / 1000).toFixed(1);
    const ok =
      results.numFailedTests === 0 && results.numFailedTestSuites === 0 && !results.numRuntimeErrorTestSuites;
    process.stdout.write(
      `${ok ? 'PASSED' : 'FAILED'}: ${results.numPassedTests}/${results.numTotalTests} tests in ${results.numTotalTestSuites} files (${results.numFailedTestSuites} failed files, ${results.numPendingTests} skipped) in ${seconds} s\n`,
    );
  }

  getLastError() {
    return undefined;
  }
}

module.exports = SummaryReporter;
