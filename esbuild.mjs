// Bundles: the extension (vscode external), the CLI and the bpftrace language server. `node esbuild.mjs [--watch] [--minify]`
import * as esbuild from 'esbuild';
import { readFile } from 'node:fs/promises';

const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify') || process.env.NODE_ENV === 'production';

/**
 * ssh2 without its native binding makes a new cipher (AES-GCM, chacha20) or HMAC (AES-CTR) for
 * every packet, passing the key as a Buffer. Node 22+ turns that Buffer into a key object each
 * time, which costs ~25 µs: ~80% of the extension host's CPU while a trace streams (measured with
 * bench/traceLag.ts). This shim hands Node a KeyObject made once per key instead (~3–9 µs).
 * The build fails if ssh2's code no longer has the line it replaces.
 */
const SSH2_CRYPTO_IMPORT =
  /const \{\s*createCipheriv, createDecipheriv, createHmac, randomFillSync, timingSafeEqual\s*\} = require\('crypto'\);/;
const ssh2KeyObjects = {
  name: 'ssh2-key-objects',
  setup(build) {
    build.onLoad({ filter: /[\\/]ssh2[\\/]lib[\\/]protocol[\\/]crypto\.js$/ }, async (args) => {
      const src = await readFile(args.path, 'utf8');
      if (!SSH2_CRYPTO_IMPORT.test(src))
        throw new Error(`${args.path}: the crypto import the key-object shim replaces is gone (ssh2 changed): update esbuild.mjs`);
      const shim = [
        "const nodeCrypto = require('crypto');",
        'const { randomFillSync, timingSafeEqual } = nodeCrypto;',
        'const keyObjects = new WeakMap();',
        'const keyObject = (k) => { if (!Buffer.isBuffer(k)) return k; let o = keyObjects.get(k); if (o === undefined) { o = nodeCrypto.createSecretKey(k); keyObjects.set(k, o); } return o; };',
        'const createCipheriv = (alg, key, iv, opts) => nodeCrypto.createCipheriv(alg, keyObject(key), iv, opts);',
        'const createDecipheriv = (alg, key, iv, opts) => nodeCrypto.createDecipheriv(alg, keyObject(key), iv, opts);',
        'const createHmac = (alg, key, opts) => nodeCrypto.createHmac(alg, keyObject(key), opts);',
      ].join(' ');
      return { contents: src.replace(SSH2_CRYPTO_IMPORT, shim), loader: 'js' };
    });
  },
};

/** The language client is its own bundle: the extension requires ./languageClient.js at run time. */
const languageClientChunk = {
  name: 'language-client-chunk',
  setup(build) {
    build.onResolve({ filter: /^\.\/client$/ }, (args) =>
      /[\\/]extension[\\/]language[\\/]languageController\.ts$/.test(args.importer)
        ? { path: './languageClient.js', external: true }
        : undefined,
    );
  },
};

/** @type {esbuild.BuildOptions} */
const common = {
  plugins: [ssh2KeyObjects],
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
  // banner and footer mark when VS Code started and finished evaluating the bundle (activation = load + activate())
  {
    ...common,
    plugins: [...common.plugins, languageClientChunk],
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    external: [...common.external, 'vscode'],
    banner: { js: 'var __ebpfLensLoadStart = typeof performance === "object" ? performance.now() : undefined, __ebpfLensLoadEnd;' },
    footer: { js: '__ebpfLensLoadEnd = typeof performance === "object" ? performance.now() : undefined;' },
  },
  {
    ...common,
    entryPoints: ['src/extension/language/client.ts'],
    outfile: 'dist/languageClient.js',
    external: [...common.external, 'vscode'],
  },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // the language server: its own process; `vscode` is not external here, so an import of it fails the build
  { ...common, entryPoints: ['src/server/server.ts'], outfile: 'dist/server.js' },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
