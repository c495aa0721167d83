// Mocha's spec reporter, plus the plain closing line CI reads:
// "tests: N passed, N failed" (", N skipped" when any were pending).
'use strict';
const { reporters, Runner } = require('mocha');

class SummaryReporter extends reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      const skipped = pending > 0 ? `, ${pending} skipped` : '';
      process.stdout.write(`\ntests: ${passes} passed, ${failures} failed${skipped}\n`);
      // scripts/test.sh adds up the suites from this file for its closing line.
      if (process.env.ISL_TEST_SUMMARY) {
        require('node:fs').appendFileSync(process.env.ISL_TEST_SUMMARY, `${passes} ${failures} ${pending}\n`);
      }
    });
  }
}
module.exports = SummaryReporter;
