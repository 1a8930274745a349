/**
 * One probe that makes bpftrace 0.24+ say something at a line and column while it runs: errorf and
 * warnf on its 2nd tick, a runtime_error (divide by zero) on its 3rd, and it ends itself on its
 * 5th. The lab tier reads the records from a trace; the e2e tier finds them on the document.
 */
export const RECORDS_PROBE = [
  'interval:ms:100 {',
  '  @n++; @t = tseries(@n, 1s, 3); @z[1] = 0;',
  '  if (@n == 2) { errorf("bad %d", @n); warnf("careful %d", @n); }',
  '  if (@n == 3) { $z = @z[1]; @d = 10 / $z; }',
  '  if (@n == 5) { exit(); }',
  '}',
];

/** what bpftrace says, in order, and the text each is said at (its first occurrence in the script) */
export const RECORDS_SAID: readonly { severity: 'error' | 'warning'; message: string; at: string }[] = [
  { severity: 'error', message: 'bad 2', at: 'errorf(' },
  { severity: 'warning', message: 'careful 2', at: 'warnf(' },
  { severity: 'error', message: 'Divide or modulo by 0 detected.', at: '10 / $z' },
];

/** a runtime_error's message without 0.27's advice after it */
export const saidMessage = (m: string): string => m.replace(/ This can lead.*/, '');
