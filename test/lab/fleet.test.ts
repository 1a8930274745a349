import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI_TIMEOUT_MS, connectedWithin } from './bounds';
import { cli, lab, labSh, labShAsync, labShWith, nodeConfig, slowLogin, slowLoginOff, tempXdg, waitFor, writeConfig } from './labEnv';

interface Out {
  nodes: { node: string; ok: boolean; programs?: unknown[]; error?: { kind: string; message: string } }[];
}

describe('list --all over a fleet of 20 nodes', () => {
  const fleet = lab()
    .nodes.filter((n) => /^edge\d+$/.test(n.name))
    .map((n) => n.name);
  const cut = ['edge16', 'edge17', 'edge18'];
  const killed = ['edge19', 'edge20'];
  // every node's login shell is slow (half a second of CPU in its startup files, on top of the
  // machine's own rc files), as on a fleet with heavy rc files: 20 logins at once share 2 cores
  before(() => slowLogin(fleet, 'cpu', 0.5));
  after(() => {
    for (const n of cut) labSh('uncut', n);
    for (const n of killed) labSh('start', n);
    for (const n of [...cut, ...killed]) labSh('unfault', n);
    slowLoginOff(fleet);
  });

  it('has 20 nodes', () => assert.equal(fleet.length, 20));

  /**
   * The nodes of `names` on which a listing's bpftool (`bpftool -j …`; the node probe's `bpftool
   * version` is not one) runs now, in the node's own mount namespace (the lab's nodes share one
   * process table): one pass over this machine's /proc, so that all five are seen at one moment
   * (one probe per node through nsenter took seconds under load, and the listings ended between)
   */
  const listingOn = (names: readonly string[]): string[] => {
    const ns = new Map(names.map((n) => [fs.readFileSync(path.join(lab().labDir, 'nodes', n, 'mntns'), 'utf8').trim(), n]));
    const found = new Set<string>();
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const node = ns.get(fs.readlinkSync(`/proc/${d}/ns/mnt`));
        // the slow fault's wrapper still in its sleep (`/bin/sh …/bpftool -j …`), not the real
        // bpftool it then execs: that one answers within milliseconds, and a cut then comes after
        // the listing's output is on its way (seen in a fresh-check: two "cut" nodes listed)
        if (node && /^\/bin\/sh \S*\/bpftool -j /.test(fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ')))
          found.add(node);
      } catch {
        /* ended meanwhile */
      }
    }
    return [...found];
  };

  it('5 nodes cut mid-run (3 links down, 2 sshds killed with their sessions): 15 listed, 5 errors, exit 5', async () => {
    // the five are slow (each bpftool call sleeps 8 s first: within the probe's and the command's
    // bounds) so that they are cut while their listing runs
    for (const n of [...cut, ...killed]) labShWith({ SLOW: '8' }, 'fault', n, 'slow');
    const cfg = writeConfig(fleet.map((n) => nodeConfig(n)));
    const sshdLog = (n: string): string => fs.readFileSync(path.join(lab().labDir, 'nodes', n, 'sshd.log'), 'utf8');
    const logged = new Map([...cut, ...killed].map((n) => [n, (sshdLog(n).match(/Accepted /g) ?? []).length]));
    // the CLI's own bounds (--timeout default: per connection and per command); all 20 at once
    let exited = false;
    const t0 = Date.now();
    const run = cli(['list', '--config', cfg, '--all', '--json', '--concurrency', '20'], { XDG_CONFIG_HOME: tempXdg() });
    void run.then(() => (exited = true));
    // wait until the CLI is logged in on all five and a (slow) bpftool of its runs on each, then cut
    // them: it logs in within its connect timeout, and its first listing command starts once the
    // worker's login shell and the node probe are done (connectedWithin); a CLI that ended first
    // has failed, and says why below
    const notLoggedIn = (): string[] => [...logged].filter(([n, c]) => (sshdLog(n).match(/Accepted /g) ?? []).length <= c).map(([n]) => n);
    await waitFor(
      () => exited || notLoggedIn().length === 0,
      CLI_TIMEOUT_MS,
      'the CLI to log in on the five',
      100,
      () => ({ exited, notLoggedIn: notLoggedIn() }),
    );
    // each of the five is cut (or killed) as soon as a bpftool of the CLI runs on it: their logins
    // are spread over many seconds on a loaded machine (20 slow logins at once on 2 cores: 13 s
    // between the first and the last measured), longer than one slow call, so waiting for all
    // five at one moment was a race
    const left = new Set([...cut, ...killed]);
    const cutAt: Record<string, number> = {};
    const cuts: Promise<void>[] = [];
    const cutFailed: string[] = [];
    const cutNow = (): boolean => {
      // each cut starts at once, without waiting for the one before (a kill takes a while): the
      // node is still in its slow call when its cut lands
      for (const n of listingOn([...left])) {
        cutAt[n] = Date.now() - t0;
        cuts.push(
          labShAsync(cut.includes(n) ? 'cut' : 'kill', n).then(
            () => void (cutAt[`${n} done`] = Date.now() - t0),
            (e: unknown) => void cutFailed.push(String(e)),
          ),
        );
        left.delete(n);
      }
      return left.size === 0;
    };
    await waitFor(
      () => exited || cutNow(),
      connectedWithin(CLI_TIMEOUT_MS),
      'a bpftool of the CLI running on each of the five, each cut then',
      250,
      () => ({ exited, notCutYet: [...left] }),
    );
    if (exited && left.size > 0)
      assert.fail(`the CLI ended before the five were cut (${[...left].join(', ')} not yet): ${(await run).stderr}`);
    await Promise.all(cuts);
    assert.deepEqual(cutFailed, [], 'lab.sh cut / kill failed');
    const r = await run;
    assert.equal(
      r.code,
      5,
      `${r.stderr}\n${JSON.stringify((JSON.parse(r.stdout || '{"nodes":[]}') as Out).nodes.map((n) => [n.node, n.ok, n.error?.kind]))}`,
    );
    const out = JSON.parse(r.stdout) as Out;
    assert.equal(out.nodes.length, 20);
    const failed = out.nodes
      .filter((n) => !n.ok)
      .map((n) => n.node)
      .sort();
    const shown = (n: string): string => JSON.stringify(out.nodes.find((x) => x.node === n));
    assert.deepEqual(
      failed,
      [...cut, ...killed].sort(),
      `cut at: ${JSON.stringify(cutAt)}; the five as listed: ${[...cut, ...killed].map(shown).join('\n')}`,
    );
    for (const n of out.nodes.filter((x) => !x.ok)) {
      // a cut link: the connection times out; a killed node: the connection drops, or the
      // command running at that moment is reported killed by the signal that ended it
      const ok =
        /^ssh\./.test(n.error?.kind ?? '') ||
        n.error?.kind === 'tool.timeout' ||
        (n.error?.kind === 'tool.failed' && /killed by signal/.test(n.error.message));
      assert.ok(ok, `${n.node}: ${n.error?.kind} ${n.error?.message}`);
    }
    for (const n of out.nodes.filter((x) => x.ok)) assert.ok(Array.isArray(n.programs), n.node);
  });
});
