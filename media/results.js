// eBPF Lens results view (webview). Plain script, no framework, no remote content: every text
// from a node goes in through textContent, never as HTML. Talks to the extension by messages.
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const $ = (sel) => document.querySelector(sel);
  const ROW = 18; // px per output line (virtualised list)

  /** @type {{ mode: string, title: string, nodes: string[], maxSec: number, startedAt: number }} */
  let meta = { mode: 'run', title: '', nodes: [], maxSec: 0, startedAt: 0 };
  /** per node: state, counters, maps, lines */
  const nodes = new Map();
  let merged = null;
  let tab = null;
  let filter = '';
  let filterRe = null;
  const sortBy = new Map(); // map name -> { col, dir }
  let compare = null;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'onclick') e.addEventListener('click', v);
      // through the CSSOM: the CSP forbids inline style attributes
      else if (k === 'style') e.style.cssText = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }
  const fmt = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : String(n));
  const isBuckets = (v) => Array.isArray(v) && v.every((b) => b && typeof b === 'object' && !Array.isArray(b) && 'count' in b);
  const isStats = (v) => v && typeof v === 'object' && !Array.isArray(v) && 'average' in v && 'total' in v && 'count' in v;
  function valueText(v) {
    if (v === null || v === undefined) return 'null';
    if (Array.isArray(v)) return '(' + v.map(valueText).join(', ') + ')';
    if (typeof v === 'object')
      return (
        '{ ' +
        Object.entries(v)
          .map(([k, x]) => '.' + k + ' = ' + valueText(x))
          .join(', ') +
        ' }'
      );
    return String(v);
  }
  function suffix(n) {
    if (n === undefined) return '...';
    const x = Number(n);
    if (!Number.isFinite(x)) return String(n);
    for (const [d, s] of [
      [1 << 30, 'G'],
      [1 << 20, 'M'],
      [1 << 10, 'K'],
    ])
      if (x !== 0 && x % d === 0) return x / d + s;
    return String(x);
  }
  function bucketLabel(b) {
    if (b.min === undefined) return '(..., ' + suffix(typeof b.max === 'number' ? b.max + 1 : b.max) + ')';
    if (b.max === undefined) return '[' + suffix(b.min) + ', ...)';
    if (b.min === b.max) return '[' + suffix(b.min) + ']';
    return '[' + suffix(b.min) + ', ' + suffix(typeof b.max === 'number' ? b.max + 1 : b.max) + ')';
  }
  const numeric = (v) =>
    typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : isStats(v) ? v.total : NaN;

  // ------------------------------------------------------------------ rendering
  function current() {
    if (tab === 'merged') return { maps: merged || [], lines: [], merged: true };
    return nodes.get(tab) || { maps: [], lines: [] };
  }

  function renderHeader() {
    const h = $('#header');
    h.replaceChildren();
    const states = [...nodes.values()];
    const running = states.some((s) => s.state === 'running' || s.state === 'starting' || s.state === 'stopping');
    const events = states.reduce((a, s) => a + (s.events || 0), 0);
    const rate = states.reduce((a, s) => a + (s.rate || 0), 0);
    const dropped = states.reduce((a, s) => a + (s.dropped || 0), 0);
    const lost = states.reduce((a, s) => a + (s.lost || 0), 0);
    const elapsed = Math.max(0, ...states.map((s) => s.elapsedMs || 0));
    // one node, and the node stopped its trace or the link was lost: say that, not just "failed"
    const ended = !running && states.length === 1 && states[0].ended ? states[0].ended : '';
    h.append(
      el(
        'div',
        { class: 'title' },
        el('span', { class: 'name' }, meta.title),
        el('span', { class: 'where' }, meta.nodes.length === 1 ? 'on ' + meta.nodes[0] : 'on ' + meta.nodes.length + ' nodes'),
      ),
      el(
        'div',
        { class: 'counters' },
        el(
          'span',
          { class: 'badge state-' + (running ? 'running' : ended ? 'ended' : 'done'), 'data-testid': 'state' },
          running
            ? 'running'
            : ended ||
                (states.some((s) => s.state === 'failed')
                  ? states.every((s) => s.state === 'failed')
                    ? 'failed'
                    : 'done (some nodes failed)'
                  : 'done'),
        ),
        el('span', {}, 'elapsed ' + (elapsed / 1000).toFixed(1) + ' s'),
        el('span', {}, fmt(events) + ' events'),
        running ? el('span', {}, fmt(Math.round(rate)) + ' /s') : null,
        dropped
          ? el(
              'span',
              { class: 'warn', title: 'over the output limits (rate, lines, bytes): counted, not shown' },
              fmt(dropped) + ' dropped',
            )
          : null,
        lost
          ? el('span', { class: 'warn', title: 'bpftrace’s own buffers overflowed on the node' }, fmt(lost) + ' lost by bpftrace')
          : null,
        running && meta.maxSec ? el('span', { class: 'dim' }, 'ends by itself after ' + meta.maxSec + ' s') : null,
      ),
      el(
        'div',
        { class: 'actions' },
        el('button', { id: 'stop', onclick: () => vscode.postMessage({ type: 'stop' }), ...(running ? {} : { disabled: 'true' }) }, 'Stop'),
        el('button', { id: 'rerun', onclick: () => vscode.postMessage({ type: 'rerun' }) }, 'Re-run'),
        el('button', { id: 'copy', onclick: () => vscode.postMessage({ type: 'copyMarkdown' }) }, 'Copy as Markdown'),
        el('button', { id: 'save', onclick: () => vscode.postMessage({ type: 'saveJson' }) }, 'Save as JSON'),
      ),
    );
  }

  function renderTabs() {
    const t = $('#tabs');
    t.replaceChildren();
    if (meta.nodes.length <= 1) {
      t.hidden = true;
      return;
    }
    t.hidden = false;
    const tabs = ['merged', ...meta.nodes];
    for (const name of tabs) {
      const s = nodes.get(name);
      const label = name === 'merged' ? 'Merged (' + [...nodes.values()].filter((x) => x.maps && x.maps.length).length + ' nodes)' : name;
      const cls = 'tab' + (tab === name ? ' active' : '') + (s && s.state === 'failed' ? ' failed' : '');
      t.append(
        el(
          'button',
          {
            class: cls,
            'data-tab': name,
            onclick: () => {
              tab = name;
              renderAll();
            },
          },
          label,
        ),
      );
    }
  }

  function renderError() {
    const e = $('#error');
    const s = tab !== 'merged' ? nodes.get(tab) : null;
    if (s && s.error) {
      e.hidden = false;
      e.replaceChildren(el('strong', {}, tab + ': '), s.error.message);
    } else if (tab === 'merged') {
      const failed = [...nodes.entries()].filter(([, x]) => x.error);
      e.hidden = failed.length === 0;
      e.replaceChildren(...failed.map(([n, x]) => el('div', { class: 'node-error' }, el('strong', {}, n + ': '), x.error.message)));
    } else e.hidden = true;
  }

  function mapTable(m) {
    const wrap = el('section', { class: 'map', 'data-map': m.name });
    wrap.append(el('h3', {}, m.name, m.note ? el('span', { class: 'note' }, ' — ' + m.note) : null));
    const first = m.entries[0] && m.entries[0].value;
    if (isBuckets(first)) {
      for (const e of m.entries) {
        if (m.keyed) wrap.append(el('div', { class: 'hist-key' }, m.name + '[' + e.key + ']'));
        wrap.append(histTable(e.value));
      }
      return wrap;
    }
    const sort = sortBy.get(m.name) || { col: 'value', dir: -1 };
    const rows = [...m.entries];
    rows.sort((a, b) => {
      if (sort.col === 'key') return sort.dir * String(a.key).localeCompare(String(b.key), undefined, { numeric: true });
      const x = numeric(a.value);
      const y = numeric(b.value);
      return sort.dir * ((isNaN(x) ? -Infinity : x) - (isNaN(y) ? -Infinity : y));
    });
    const head = (col, label) =>
      el(
        'th',
        {
          class: 'sortable' + (sort.col === col ? ' sorted' : ''),
          onclick: () => {
            sortBy.set(m.name, { col, dir: sort.col === col ? -sort.dir : col === 'key' ? 1 : -1 });
            renderMaps();
          },
        },
        label + (sort.col === col ? (sort.dir > 0 ? ' ▲' : ' ▼') : ''),
      );
    const stats = isStats(first);
    const table = el('table', { class: 'kv' });
    table.append(
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          m.keyed ? head('key', 'key') : null,
          stats ? el('th', {}, 'count') : null,
          stats ? el('th', {}, 'average') : null,
          head('value', stats ? 'total' : 'value'),
        ),
      ),
    );
    const body = el('tbody');
    for (const e of rows.slice(0, 2000)) {
      const v = e.value;
      // a library one-liner's key reads as names (xdp_edge (1636) · XDP_ABORTED · inc0); the raw key is its tooltip
      const keyCell = e.label
        ? el('td', { class: 'key', title: String(e.key) }, e.label)
        : el('td', { class: 'key' }, e.key === null ? '' : e.key);
      body.append(
        el(
          'tr',
          {},
          m.keyed ? keyCell : null,
          stats ? el('td', { class: 'num' }, fmt(v.count)) : null,
          stats ? el('td', { class: 'num' }, fmt(v.average)) : null,
          el('td', { class: 'num' }, stats ? fmt(v.total) : typeof v === 'number' ? fmt(v) : valueText(v)),
        ),
      );
    }
    table.append(body);
    wrap.append(table);
    if (rows.length > 2000) wrap.append(el('div', { class: 'dim' }, rows.length - 2000 + ' more rows (Save as JSON has them all)'));
    return wrap;
  }

  function histTable(buckets) {
    const max = Math.max(1, ...buckets.map((b) => b.count));
    const t = el('table', { class: 'hist' });
    for (const b of buckets) {
      const w = Math.round((b.count / max) * 1000) / 10;
      t.append(
        el(
          'tr',
          {},
          el('td', { class: 'bucket' }, bucketLabel(b)),
          el('td', { class: 'num' }, fmt(b.count)),
          el('td', { class: 'barcell' }, el('div', { class: 'bar', style: 'width:' + w + '%' })),
        ),
      );
    }
    return t;
  }

  function renderMaps() {
    const box = $('#maps');
    box.replaceChildren();
    const c = current();
    if (!c.maps || c.maps.length === 0) {
      box.append(
        el(
          'div',
          { class: 'dim' },
          tab === 'merged' ? 'No maps yet.' : 'No maps yet: bpftrace prints maps when the script calls print() and when the trace ends.',
        ),
      );
      return;
    }
    for (const m of c.maps) box.append(mapTable(m));
  }

  // virtualised output
  function visibleLines() {
    const c = current();
    if (!filterRe) return c.lines || [];
    return (c.lines || []).filter((l) => filterRe.test(l.text));
  }
  function renderLines() {
    const box = $('#lines');
    const spacer = $('#lines-spacer');
    const win = $('#lines-window');
    const lines = visibleLines();
    $('#lines-count').textContent = filterRe
      ? fmt(lines.length) + ' of ' + fmt((current().lines || []).length) + ' lines'
      : fmt(lines.length) + ' lines';
    spacer.style.height = lines.length * ROW + 'px';
    if (follow && box.scrollTop + box.clientHeight < box.scrollHeight - 1) {
      programmatic = true;
      box.scrollTop = box.scrollHeight;
    }
    const first = Math.max(0, Math.floor(box.scrollTop / ROW) - 5);
    const last = Math.min(lines.length, first + Math.ceil((box.clientHeight || 400) / ROW) + 10);
    win.style.top = first * ROW + 'px';
    win.replaceChildren(
      ...lines
        .slice(first, last)
        .map((l) => el('div', { class: 'line' }, el('span', { class: 't' }, (l.t / 1000).toFixed(3)), l.text.replace(/\n$/, ''))),
    );
  }
  let follow = true;
  let programmatic = false;

  function renderCompare() {
    const box = $('#maps');
    box.replaceChildren();
    $('#output').hidden = true;
    $('#tabs').hidden = true;
    const h = $('#header');
    h.replaceChildren(
      el('div', { class: 'title' }, el('span', { class: 'name' }, 'Compare runs')),
      el('div', { class: 'counters' }, el('span', { class: 'badge a' }, 'A'), compare.a, el('span', { class: 'badge b' }, 'B'), compare.b),
      el(
        'div',
        { class: 'actions' },
        el('button', { id: 'copy', onclick: () => vscode.postMessage({ type: 'copyMarkdown' }) }, 'Copy as Markdown'),
      ),
    );
    for (const d of compare.deltas) {
      const wrap = el('section', { class: 'map', 'data-map': d.name });
      wrap.append(el('h3', {}, d.name, d.only ? el('span', { class: 'note' }, ' — only in ' + (d.only === 'before' ? 'A' : 'B')) : null));
      if (d.kind === 'hist') {
        for (const h2 of d.hists) {
          wrap.append(
            el(
              'div',
              { class: 'hist-key' },
              (h2.key !== null ? '[' + h2.key + '] ' : '') +
                'total ' +
                fmt(h2.totalBefore) +
                ' → ' +
                fmt(h2.totalAfter) +
                ' · p50 ' +
                (h2.p50[0] || '–') +
                ' → ' +
                (h2.p50[1] || '–') +
                ' · p99 ' +
                (h2.p99[0] || '–') +
                ' → ' +
                (h2.p99[1] || '–'),
            ),
          );
          const max = Math.max(1, ...h2.buckets.flatMap((b) => [b.before, b.after]));
          const t = el('table', { class: 'hist compare' });
          t.append(
            el(
              'thead',
              {},
              el('tr', {}, el('th', {}, 'bucket'), el('th', {}, 'A'), el('th', {}, 'B'), el('th', {}, 'Δ'), el('th', {}, '')),
            ),
          );
          for (const b of h2.buckets) {
            t.append(
              el(
                'tr',
                {},
                el('td', { class: 'bucket' }, b.label),
                el('td', { class: 'num' }, fmt(b.before)),
                el('td', { class: 'num' }, fmt(b.after)),
                el('td', { class: 'num ' + (b.delta > 0 ? 'up' : b.delta < 0 ? 'down' : '') }, (b.delta > 0 ? '+' : '') + fmt(b.delta)),
                el(
                  'td',
                  { class: 'barcell' },
                  el('div', { class: 'bar a', style: 'width:' + Math.round((b.before / max) * 1000) / 10 + '%' }),
                  el('div', { class: 'bar b', style: 'width:' + Math.round((b.after / max) * 1000) / 10 + '%' }),
                ),
              ),
            );
          }
          wrap.append(t);
        }
      } else {
        const t = el('table', { class: 'kv compare' });
        t.append(
          el('thead', {}, el('tr', {}, el('th', {}, 'key'), el('th', {}, 'A'), el('th', {}, 'B'), el('th', {}, 'Δ'), el('th', {}, '%'))),
        );
        const tb = el('tbody');
        t.append(tb);
        for (const k of d.keys.slice(0, 2000)) {
          tb.append(
            el(
              'tr',
              {},
              el('td', { class: 'key' }, k.key === null ? '' : k.key),
              el('td', { class: 'num' }, k.before === undefined || k.before === null ? '–' : fmt(k.before)),
              el('td', { class: 'num' }, k.after === undefined || k.after === null ? '–' : fmt(k.after)),
              el('td', { class: 'num ' + (k.delta > 0 ? 'up' : k.delta < 0 ? 'down' : '') }, (k.delta > 0 ? '+' : '') + fmt(k.delta)),
              el(
                'td',
                { class: 'num' },
                k.change === undefined || k.change === null ? '' : (k.change >= 0 ? '+' : '') + (k.change * 100).toFixed(1) + ' %',
              ),
            ),
          );
        }
        wrap.append(t);
      }
      box.append(wrap);
    }
    report();
  }

  function renderAll() {
    if (compare) return renderCompare();
    renderHeader();
    renderTabs();
    renderError();
    renderMaps();
    $('#output').hidden = tab === 'merged';
    if (tab !== 'merged') renderLines();
    report();
  }

  /** What is on screen, for tests and for the extension's own checks. */
  function report() {
    const maps = [...document.querySelectorAll('#maps section.map')].map((s) => ({
      name: s.getAttribute('data-map'),
      rows: s.querySelectorAll('table.kv tbody tr').length,
      bars: s.querySelectorAll('table.hist .bar').length,
      cells: [...s.querySelectorAll('table.kv tbody tr')].slice(0, 50).map((tr) => [...tr.children].map((td) => td.textContent)),
    }));
    vscode.postMessage({
      type: 'rendered',
      summary: {
        mode: compare ? 'compare' : 'run',
        tab,
        state: ($('[data-testid=state]') || {}).textContent || '',
        lines: compare || tab === 'merged' ? 0 : visibleLines().length,
        shownLines: [...document.querySelectorAll('#lines-window .line')].map((l) => l.lastChild && l.lastChild.textContent),
        maps,
        error: $('#error').hidden ? '' : $('#error').textContent,
        tabs: [...document.querySelectorAll('#tabs .tab')].map((b) => b.getAttribute('data-tab')),
      },
    });
  }

  // ------------------------------------------------------------------ messages
  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      renderAll();
    });
  }

  window.addEventListener('message', (ev) => {
    const m = ev.data;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'init') {
      meta = m.meta;
      compare = null;
      nodes.clear();
      merged = null;
      for (const n of meta.nodes) nodes.set(n, { state: 'starting', lines: [], maps: [] });
      tab = meta.nodes.length > 1 ? 'merged' : meta.nodes[0];
      schedule();
    } else if (m.type === 'update') {
      for (const u of m.nodes) {
        const s = nodes.get(u.node) || { lines: [], maps: [] };
        Object.assign(s, {
          state: u.state,
          reason: u.reason,
          error: u.error,
          ended: u.ended,
          events: u.events,
          rate: u.rate,
          dropped: u.dropped,
          lost: u.lost,
          elapsedMs: u.elapsedMs,
        });
        if (u.resetLines) s.lines = [];
        if (u.newLines && u.newLines.length) {
          s.lines.push(...u.newLines);
          if (s.lines.length > 20000) s.lines.splice(0, s.lines.length - 20000);
        }
        if (u.maps) s.maps = u.maps;
        nodes.set(u.node, s);
      }
      if (m.merged) merged = m.merged;
      schedule();
    } else if (m.type === 'compare') {
      compare = m;
      schedule();
    } else if (m.type === 'report') {
      report();
    }
  });

  $('#filter').addEventListener('input', (e) => {
    filter = e.target.value;
    try {
      filterRe = filter ? new RegExp(filter, 'i') : null;
      e.target.classList.remove('bad');
    } catch {
      filterRe = { test: (s) => s.toLowerCase().includes(filter.toLowerCase()) };
      e.target.classList.add('bad');
    }
    renderLines();
    report();
  });
  $('#follow').addEventListener('change', (e) => {
    follow = e.target.checked;
    renderLines();
  });
  $('#lines').addEventListener('scroll', () => {
    const box = $('#lines');
    if (programmatic) programmatic = false;
    else {
      // scrolling up to read stops following; scrolling back to the end follows again
      const atEnd = box.scrollTop + box.clientHeight >= box.scrollHeight - ROW;
      if (atEnd !== follow) {
        follow = atEnd;
        $('#follow').checked = atEnd;
      }
    }
    renderLines();
  });
  vscode.postMessage({ type: 'ready' });
})();
