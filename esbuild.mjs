// Bundles: the extension (vscode external), the CLI and the bpftrace language server. `node esbuild.mjs [--watch] [--minify]`
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify') || process.env.NODE_ENV === 'production';

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify,
  logLevel: 'warning',
  // ssh2's optional native parts: cpu-features and its own crypto binding are tried in a
  // try/catch at run time; the pure-JS fallbacks are used when they are absent.
  external: ['cpu-features', '*.node'],
};

const builds = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: [...common.external, 'vscode'] },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // the language server: its own process; `vscode` is not external here, so an import of it fails the build
  { ...common, entryPoints: ['src/server/server.ts'], outfile: 'dist/server.js' },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
