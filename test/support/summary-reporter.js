// Mocha's spec reporter, plus the plain last line every tier ends with: "N passed, N failed".
'use strict';
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats || {};
      const pending = s.pending ? `, ${s.pending} pending` : '';
      process.stdout.write(`\n${s.passes || 0} passed, ${s.failures || 0} failed${pending}\n`);
    });
  }
}
module.exports = SummaryReporter;
