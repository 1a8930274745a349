/**
 * The `ebpfLens.*` settings: each one's default and bounds, as package.json declares them (a unit
 * test compares the two), and whether a change takes effect only on new connections. Config reads
 * every setting through this table; this file imports nothing.
 */
export const SETTINGS = {
  nodes: { default: [] as unknown },
  'sshConfig.import': { default: false },
  'sshConfig.file': { default: '~/.ssh/config' },
  knownHostsFiles: { default: ['~/.ssh/known_hosts', '/etc/ssh/ssh_known_hosts'] as readonly string[], reconnect: true },
  'tree.groupByTag': { default: false },
  'connection.connectTimeoutSeconds': { default: 15, min: 1, reconnect: true },
  'connection.commandTimeoutSeconds': { default: 30, min: 1, reconnect: true },
  'connection.keepaliveIntervalSeconds': { default: 10, min: 1, reconnect: true },
  'connection.maxConcurrentNodes': { default: 16, min: 1, integer: true, reconnect: true },
  'stats.refreshIntervalSeconds': { default: 2, min: 1 },
  'stats.confirm': { default: true },
  'snapshots.auto': { default: true },
  'snapshots.location': { default: 'global' },
  'snapshots.maxPerNode': { default: 200, min: 2, integer: true },
  'trace.maxDurationSeconds': { default: 600, min: 1, max: 86400, integer: true },
  'trace.savedRuns': { default: 200, min: 1, integer: true },
  'annotations.windowSeconds': { default: 10, min: 1, max: 3600, integer: true },
  'annotations.maxProbes': { default: 64, min: 1, max: 2000, integer: true },
  'annotations.liveIntervalSeconds': { default: 30, min: 2, integer: true },
  'annotations.pathMappings': { default: {} as Readonly<Record<string, string>> },
  'annotations.gutterIcons': { default: true },
  'annotations.probeHits': { default: true },
} as const;

export type SettingKey = keyof typeof SETTINGS;
type Spec = {
  readonly default: unknown;
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  readonly reconnect?: boolean;
};
type Widen<T> = T extends boolean ? boolean : T extends number ? number : T extends string ? string : T;
export type SettingValue<K extends SettingKey> = Widen<(typeof SETTINGS)[K]['default']>;

/**
 * A setting's value as the extension uses it: the default when the value has the wrong type, a
 * number clamped into its bounds (an integer setting rounded down).
 */
export function settingValue<K extends SettingKey>(key: K, raw: unknown): SettingValue<K> {
  const spec: Spec = SETTINGS[key];
  const d = spec.default;
  // the inventory's own parser says what is wrong with a malformed list, entry by entry
  if (key === 'nodes') return (raw ?? d) as SettingValue<K>;
  if (raw === undefined || raw === null) return d as SettingValue<K>;
  if (typeof d === 'number') {
    if (typeof raw !== 'number' || !Number.isFinite(raw)) return d as SettingValue<K>;
    const n = spec.integer ? Math.floor(raw) : raw;
    return Math.min(spec.max ?? Infinity, Math.max(spec.min ?? -Infinity, n)) as SettingValue<K>;
  }
  if (Array.isArray(d)) return (Array.isArray(raw) ? raw : d) as SettingValue<K>;
  if (typeof d === 'object') return (typeof raw === 'object' && !Array.isArray(raw) ? raw : d) as SettingValue<K>;
  return (typeof raw === typeof d ? raw : d) as SettingValue<K>;
}

/** The settings whose change takes effect only for new connections. */
export const RECONNECT_SETTINGS: readonly SettingKey[] = (Object.keys(SETTINGS) as SettingKey[]).filter(
  (k) => (SETTINGS[k] as Spec).reconnect === true,
);
