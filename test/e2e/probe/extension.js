// An extension installed beside eBPF Lens, as any other would be (e2e test only, never shipped).
// Its command walks eBPF Lens's exports, own and prototype keys, several levels deep, writes what
// it could reach, then calls ebpfLens.runTrace with arguments and writes what that returned.
// The report goes to $EBPF_LENS_PROBE_OUT (walk.json, command-N.json); the command's arguments
// come from $EBPF_LENS_PROBE_ARGS (JSON).
const fs = require('node:fs');
const vscode = require('vscode');

const BUILTIN = new Set([Object.prototype, Function.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype]);

/** every reachable key path, with the kind of value there (functions named, not called) */
function walk(root, depth) {
  const seen = new Set();
  const found = [];
  const visit = (v, at, d) => {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return;
    if (seen.has(v) || d > depth) return;
    seen.add(v);
    for (let o = v; o && !BUILTIN.has(o); o = Object.getPrototypeOf(o)) {
      for (const k of Reflect.ownKeys(o)) {
        if (typeof k === 'symbol') continue;
        const own = o === v;
        let x;
        try {
          const desc = Object.getOwnPropertyDescriptor(o, k);
          x = desc && 'value' in desc ? desc.value : desc && desc.get ? desc.get.call(v) : undefined;
        } catch (e) {
          x = `<throws ${e && e.message}>`;
        }
        const path = `${at}.${k}`;
        const ctor = x && typeof x === 'object' && x.constructor ? x.constructor.name : '';
        found.push({ path, own, type: typeof x, ctor });
        visit(x, path, d + 1);
      }
    }
  };
  visit(root, 'exports', 0);
  return found;
}

function write(name, value) {
  const dir = process.env.EBPF_LENS_PROBE_OUT;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(`${dir}/${name}.json`, JSON.stringify(value, null, 2));
}

let runs = 0;

function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('ebpfLensProbe.run', async () => {
      const n = ++runs;
      const ext = vscode.extensions.getExtension('ebpf-lens.ebpf-lens');
      const exports = ext ? await ext.activate() : undefined;
      const top = exports && typeof exports === 'object' ? Reflect.ownKeys(exports).map(String) : [];
      // what the read-only functions hand out is walked too
      const called = {};
      for (const k of ['nodes', 'activeNode']) {
        if (exports && typeof exports[k] === 'function') {
          try {
            called[k] = exports[k]();
          } catch (e) {
            called[k] = `<throws ${e && e.message}>`;
          }
        }
      }
      write('walk', { top, keys: walk(exports, 6), calledKeys: walk(called, 6), called });
      const asked = JSON.parse(process.env.EBPF_LENS_PROBE_ARGS || '{}');
      const t0 = Date.now();
      let result;
      try {
        result = await vscode.commands.executeCommand('ebpfLens.runTrace', asked);
        write(`command-${n}`, { ok: true, result: result === undefined ? null : result, ms: Date.now() - t0 });
      } catch (e) {
        write(`command-${n}`, { ok: false, error: String(e && e.message), ms: Date.now() - t0 });
      }
    }),
  );
}

module.exports = { activate, deactivate() {} };
