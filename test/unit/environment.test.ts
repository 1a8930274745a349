import * as assert from 'node:assert/strict';
import type { NodeConfig } from '../../src/core/inventory/inventory';
import type { NodeListing } from '../../src/core/nodes/listing';
import type { TreeRow } from '../../src/core/nodes/tree';
import { buildTree } from '../../src/core/nodes/tree';
import { parseStderr } from '../../src/core/trace/diagnostics';
import { environmentNote, mergeNotes } from '../../src/core/trace/environment';

// as bpftrace 0.26+ writes it (src/symbols/kernel.cpp) where tracefs's list cannot be read
const FILTER =
  'WARNING: Could not read functions from /sys/kernel/tracing/available_filter_functions. If this is expected, use --traceable-functions to set this path manually. This file is needed in order to determine which functions can safely be traced without causing issues in the kernel.';

describe('what bpftrace says about the node, not the script', () => {
  it('the unreadable list of traceable functions is a note of the node with its meaning, not a diagnostic', () => {
    const r = parseStderr(`${FILTER}\nstdin:3:1-12: WARNING: unused variable\n`);
    assert.deepEqual(
      r.diagnostics.map((d) => d.message),
      ['unused variable'],
    );
    assert.equal(r.environment.length, 1);
    const n = r.environment[0];
    assert.equal(n?.id, 'traceableFunctions');
    assert.match(n?.message ?? '', /^Could not read functions from \/sys\/kernel\/tracing\/available_filter_functions\./);
    assert.match(n?.meaning ?? '', /\/sys\/kernel\/tracing\/available_filter_functions\)/);
    assert.match(n?.meaning ?? '', /--traceable-functions/);
    assert.deepEqual(r.other, []);
  });

  it('a warning printed twice in a run is one note; other environment warnings are recognised too', () => {
    const r = parseStderr(
      [
        FILTER,
        FILTER,
        "WARNING: Operation not permitted: couldn't set RLIMIT_NOFILE for bpftrace. If your program is not loading, you can try increasing",
        'WARNING: BTF: failed to parse BTF from /sys/kernel/btf/vmlinux',
        'WARNING: 1200us skew detected when calculating boot time. strftime() builtin may be inaccurate',
      ].join('\n'),
    );
    assert.deepEqual(
      r.environment.map((n) => n.id),
      ['traceableFunctions', 'rlimitNofile', 'btfParse', 'bootTimeSkew'],
    );
    assert.deepEqual(r.diagnostics, []);
  });

  it('a script’s own warnings and errors stay diagnostics (nothing else is taken for the node’s)', () => {
    assert.equal(environmentNote('stdin:1:1-5: ERROR: Could not resolve symbol: /bin/x:foo'), undefined);
    assert.equal(environmentNote('WARNING: Addrspace is not set'), undefined);
    const r = parseStderr('stdin:2:3-9: ERROR: Unknown function: nope\n');
    assert.deepEqual(r.environment, []);
    assert.equal(r.diagnostics.length, 1);
  });

  it('notes merge one per kind, in the order first seen, the latest words kept', () => {
    const a = environmentNote(FILTER);
    const b = environmentNote('WARNING: BTF: failed to parse BTF from /x');
    const a2 = environmentNote(FILTER.replace('/sys/kernel/tracing', '/sys/kernel/debug/tracing'));
    assert.ok(a && b && a2);
    const m = mergeNotes([a, b], [a2]);
    assert.deepEqual(
      m.map((n) => n.id),
      ['traceableFunctions', 'btfParse'],
    );
    assert.match(m[0]?.message ?? '', /debug\/tracing/);
  });

  it('the Nodes tree shows each note once under its node, with bpftrace’s words and the meaning in its tooltip', () => {
    const note = environmentNote(FILTER);
    assert.ok(note);
    const config = { name: 'forky1', host: '10.0.0.4', port: 22, tags: [], source: 'settings' } as unknown as NodeConfig;
    const listing: NodeListing = { programs: [], maps: [], links: [], warnings: [] } as unknown as NodeListing;
    const rows = buildTree([{ config, state: 'connected', listing, statsOn: false, active: false, environment: [note] }], {
      groupByTag: false,
      filter: '',
    });
    const noteRows = (rows[0]?.children ?? []).filter((r: TreeRow) => r.id.endsWith('/note-traceableFunctions'));
    assert.equal(noteRows.length, 1);
    assert.equal(noteRows[0]?.label, 'bpftrace cannot read the list of traceable functions');
    assert.equal(noteRows[0]?.description, 'node fact');
    assert.match(noteRows[0]?.tooltip ?? '', /bpftrace says: _Could not read functions/);
    assert.match(noteRows[0]?.tooltip ?? '', /traceable\\-functions FILE/);
  });
});
