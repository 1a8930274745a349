// Mocha's spec reporter, plus the plain last line every tier ends with: "N passed, N failed", and
// the tier's proof that it is not hollow: every test file of the tier ran at least one test, and
// every registered test ran (a skip, a test that never ran after a hook failed, a file that
// loaded but registered nothing: each fails the tier). With a filter (--grep/--fgrep) the
// per-file rule is off, but the filter must match at least one test. With linger=S a tier cannot
// hang after its last test either: if something a test left behind (a timer, a socket, a child)
// still holds the process S seconds after the run ended, the reporter names it and exits failed.
//   --reporter-option dir=out/test/unit   where the tier's *.test.js files are (required)
//   --reporter-option linger=30           (plain mocha only, not in an extension host)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');
const { EVENT_RUN_BEGIN, EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL } = Mocha.Runner.constants;

function testFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.name.endsWith('.test.js')) out.push(path.resolve(f));
    }
  };
  walk(dir);
  return out.sort();
}

/** What is wrong with a run, or [] (pure: the unit tier tests it). */
function hollowReasons({ files, registered, executed, perFile, filtered }) {
  const why = [];
  if (!filtered && files.length === 0) why.push('no test files');
  if (registered === 0) why.push(filtered ? 'the filter matched no test' : 'no test registered');
  if (executed !== registered) why.push(`${registered} tests registered, ${executed} executed`);
  if (!filtered) {
    const empty = files.filter((f) => !perFile.get(f));
    if (empty.length) why.push(`test files that ran no test: ${empty.map((f) => path.basename(f)).join(', ')}`);
  }
  return why;
}

/** Mocha runs without --exit, so a leak keeps the tier alive forever: bound it, and say what leaked. */
function lingerWatch(ms) {
  const t = setTimeout(() => {
    const held = {};
    for (const r of process.getActiveResourcesInfo()) held[r] = (held[r] || 0) + 1;
    const what = Object.entries(held)
      .map(([k, n]) => `${k} ×${n}`)
      .join(', ');
    console.log(`LINGERING (counted as failed): the process still runs ${ms / 1000} s after the last test, held by: ${what}`);
    // mocha's own exit listener sets the exit code to its failure count (0 here): ours runs last
    process.on('exit', () => {
      process.exitCode = 1;
    });
    process.exit(1);
  }, ms);
  t.unref(); // fires only if something else holds the process
}

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const opts = (options && options.reporterOptions) || {};
    const dir = opts.dir;
    let registered = 0;
    let executed = 0;
    const perFile = new Map();
    const count = (test) => {
      if (test.type === 'hook') return;
      executed++;
      const f = test.file ? path.resolve(test.file) : '';
      perFile.set(f, (perFile.get(f) || 0) + 1);
    };
    runner.once(EVENT_RUN_BEGIN, () => {
      registered = runner.total;
    });
    runner.on(EVENT_TEST_PASS, count);
    runner.on(EVENT_TEST_FAIL, count);
    // registered before Runner#run's own listener, which hands `failures` to mocha's exit
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats || {};
      const filtered = runner._grep !== undefined && String(runner._grep) !== String(/.*/);
      const files = dir ? testFiles(dir) : [];
      const why = dir ? hollowReasons({ files, registered, executed, perFile, filtered }) : ['the reporter was given no dir= option'];
      const pending = s.pending ? `, ${s.pending} pending` : '';
      // console.log: in an extension host only the console reaches the harness
      console.log(`\n${s.passes || 0} passed, ${s.failures || 0} failed${pending}`);
      if (why.length) {
        runner.failures += 1;
        console.log(`HOLLOW RUN (counted as failed): ${why.join('; ')}`);
      } else {
        console.log(
          `tier check: ${filtered ? 'filtered run' : `${files.length} test files`}, ${registered} tests registered, ${executed} executed`,
        );
      }
      if (Number(opts.linger) > 0) lingerWatch(Number(opts.linger) * 1000);
    });
  }
}
module.exports = SummaryReporter;
module.exports.hollowReasons = hollowReasons;
