import { SLOW_LOGIN_MS, loginText } from '../remote/bounds';
import type { NodeInfo } from '../remote/nodeInfo';
import { esc, mdTable } from './markdown';
import type { NodeView } from './tree';

/** What a node's own row in the Nodes tree says about it: description, tooltip, icon and context value. */

/** A short, human label for an error kind (the row's description). */
export function errorLabel(kind: string): string {
  switch (kind) {
    case 'ssh.unreachable':
      return 'unreachable';
    case 'ssh.timeout':
      return 'timed out';
    case 'ssh.loginTimeout':
      return 'login shell did not start';
    case 'ssh.authFailed':
      return 'authentication failed';
    case 'ssh.hostKeyMismatch':
      return 'HOST KEY CHANGED';
    case 'ssh.hostKeyUnknown':
      return 'host key not trusted';
    case 'ssh.hostKeyRevoked':
      return 'host key revoked';
    case 'ssh.proxyJump':
      return 'jump host failed';
    case 'ssh.config':
      return 'configuration error';
    case 'ssh.disconnected':
      return 'disconnected';
    case 'tool.missing':
      return 'bpftool missing';
    case 'tool.needsRoot':
      return 'needs root or sudo';
    case 'tool.badOutput':
      return 'unreadable bpftool output';
    case 'tool.timeout':
      return 'command timed out';
    case 'tool.failed':
      return 'bpftool failed';
    default:
      return 'error';
  }
}

export function stateIcon(v: NodeView): { icon: string; color?: string } {
  if (v.error && (v.state === 'failed' || v.state === 'waiting' || v.state === 'idle')) {
    return v.state === 'waiting'
      ? { icon: 'debug-disconnect', color: 'list.warningForeground' }
      : { icon: 'error', color: 'list.errorForeground' };
  }
  switch (v.state) {
    case 'connected':
      return { icon: 'vm-running', color: 'testing.iconPassed' };
    case 'connecting':
      return { icon: 'loading~spin' };
    case 'waiting':
      return { icon: 'debug-disconnect', color: 'list.warningForeground' };
    case 'failed':
      return { icon: 'error', color: 'list.errorForeground' };
    default:
      return { icon: 'vm-outline' };
  }
}

function toolsText(info: NodeInfo): string {
  return [
    // "6.18.44-fc-v669" → "6.18.44" (the whole release is in the tooltip)
    info.kernel.split('-')[0] ?? info.kernel,
    info.bpftool ? `bpftool ${info.bpftool.version || '?'}` : 'no bpftool',
    info.bpftrace ? `bpftrace ${info.bpftrace.version || '?'}` : 'no bpftrace',
  ].join(' · ');
}

export function nodeDescription(v: NodeView): string {
  const parts: string[] = [];
  if (v.active) parts.push('active');
  switch (v.state) {
    case 'connected':
      if (v.info) parts.push(toolsText(v.info));
      if (v.login && v.login.ms > SLOW_LOGIN_MS) parts.push(`slow login ${(v.login.ms / 1000).toFixed(1)} s`);
      if (v.statsOn) parts.push('stats on');
      if (v.error) parts.push(`⚠ ${errorLabel(v.error.kind)}`);
      break;
    case 'connecting':
      parts.push('connecting…');
      break;
    case 'waiting':
      parts.push(
        `${v.error ? errorLabel(v.error.kind) : 'disconnected'} · retrying${v.retryInMs !== undefined ? ` in ${Math.max(1, Math.round(v.retryInMs / 1000))} s` : ''}`,
      );
      break;
    case 'failed':
      parts.push(v.error ? errorLabel(v.error.kind) : 'failed');
      break;
    default:
      parts.push(v.error ? errorLabel(v.error.kind) : `${v.config.host}${v.config.port !== 22 ? `:${v.config.port}` : ''}`);
  }
  return parts.join(' · ');
}

export function nodeTooltip(v: NodeView): string {
  const c = v.config;
  const i = v.info;
  const head = `**${esc(c.name)}** — ${v.state}${v.active ? ' (active node)' : ''}`;
  const table = mdTable([
    ['host', `${c.user ? `${c.user}@` : ''}${c.host}:${c.port}`],
    ['via', c.proxyJump],
    ['hostname', i?.hostname],
    ['kernel', i ? `${i.kernel} ${i.arch}${i.btf ? ' (BTF)' : ' (no BTF)'}` : undefined],
    ['OS', i?.os],
    ['bpftool', i ? (i.bpftool ? `${i.bpftool.version} (${i.bpftool.path})` : 'not installed') : undefined],
    ['bpftrace', i ? (i.bpftrace ? `${i.bpftrace.version} (${i.bpftrace.path})` : 'not installed') : undefined],
    [
      'login',
      v.login && v.login.ms > SLOW_LOGIN_MS
        ? `${loginText(v.login)}: its startup files (/etc/bash.bashrc, ~/.bashrc) run for every SSH session eBPF Lens opens`
        : undefined,
    ],
    [
      'privileges',
      i
        ? i.uid === 0
          ? 'root'
          : `${i.user} (uid ${i.uid}), sudo -n: ${i.sudo.bpftool ? 'bpftool' : 'no bpftool'}, ${i.sudo.bpftrace ? 'bpftrace' : 'no bpftrace'}`
        : undefined,
    ],
    ['tags', c.tags.join(', ') || undefined],
    ['scope', c.scope ? [...(c.scope.pinPrefixes ?? []), ...(c.scope.namePatterns ?? [])].join(', ') : undefined],
    ['stats', v.statsOn ? 'on (kernel.bpf_stats_enabled)' : undefined],
    ['listed', v.refreshedAt ? new Date(v.refreshedAt).toISOString() : undefined],
    ['source', c.source === 'sshConfig' ? '~/.ssh/config' : c.source === 'settings' ? 'ebpfLens.nodes setting' : 'config file'],
  ]);
  const err = v.error ? `\n\n$(error) ${esc(v.error.message)}` : '';
  return `${head}\n\n${table}${err}`;
}

export function nodeContext(v: NodeView): string {
  const t = ['node', v.state === 'connected' ? 'connected' : v.state === 'connecting' ? 'connecting' : 'disconnected'];
  if (v.info) t.push(v.info.uid === 0 ? 'root' : 'sudo');
  if (v.active) t.push('active');
  if (v.statsOn) t.push('stats');
  if (v.error) t.push('error');
  return t.join(':');
}
