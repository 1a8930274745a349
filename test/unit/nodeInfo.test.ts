import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseProbe, probeCommand } from '../../src/core/remote/nodeInfo';

describe('node probe', () => {
  it('parses the key=value answer', () => {
    const info = parseProbe(
      'uid=1000\nuser=edgeuser\nhostname=edge1\nkernel=6.18.44\narch=x86_64\nos=Debian GNU/Linux 12 (bookworm)\nbtf=1\nbootid=abc\n' +
        'bpftool=/usr/sbin/bpftool\nbpftoolVersion=bpftool v7.1.0\nbpftrace=/usr/bin/bpftrace\nbpftraceVersion=bpftrace v0.17.0\n' +
        'sudo=/usr/bin/sudo\nsudoBpftool=1\n',
    );
    assert.ok(typeof info !== 'string');
    assert.equal(info.uid, 1000);
    assert.deepEqual(info.bpftool, { path: '/usr/sbin/bpftool', version: '7.1.0' });
    assert.deepEqual(info.bpftrace, { path: '/usr/bin/bpftrace', version: '0.17.0' });
    assert.deepEqual(info.sudo, { present: true, bpftool: true, bpftrace: false });
    assert.equal(info.os, 'Debian GNU/Linux 12 (bookworm)');
  });

  it('missing tools are absent, garbage is an error', () => {
    const info = parseProbe('uid=0\nuser=root\nbpftool=\nbpftrace=\nsudo=\n');
    assert.ok(typeof info !== 'string' && info.bpftool === undefined && info.bpftrace === undefined && !info.sudo.present);
    assert.equal(typeof parseProbe('Welcome to the machine\n'), 'string');
  });

  it('the probe script runs in a plain POSIX sh (dash) and answers', () => {
    const cmd = probeCommand();
    const out = execFileSync('/bin/sh', ['-c', cmd.argv[2] ?? ''], { encoding: 'utf8' });
    const info = cmd.interpret({ stdout: out, stderr: '', code: 0 });
    assert.equal(info.uid, process.getuid?.());
    assert.ok(info.kernel.length > 0);
  });
});
