// Builds a Node entry point into one ES module: the workspace's TypeScript
// packages are bundled in, third-party packages stay in node_modules. A
// server started from the bundle runs on plain Node, without transpiling
// every module at start and keeping what tsx made of it (about 49 MB of RSS
// for this server; docs/performance.md, "Big document").
//
//   node apps/server/scripts/bundle.mjs <entry.ts> <out.mjs>
import { build } from 'esbuild';
import { basename, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Imports that are neither relative nor one of ours resolve from node_modules at run time. */
const thirdPartyExternal = {
  name: 'third-party-external',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@dungeon-lab/') ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * `outfile` is the entry's module; what it imports with `import()` goes in
 * chunks beside it (`chunk-<hash>.mjs`) and loads only when asked for — the
 * MongoDB store and its driver, whose BSON serializer allocates 17 MB on
 * import, stay out of a server on the embedded store.
 */
export async function bundleNodeEntry(entry, outfile) {
  await build({
    entryPoints: { [basename(outfile, extname(outfile))]: entry },
    outdir: dirname(outfile),
    outExtension: { '.js': extname(outfile) },
    splitting: true,
    chunkNames: 'chunk-[hash]',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [thirdPartyExternal],
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [entry, outfile] = process.argv.slice(2);
  if (!entry || !outfile) {
    console.error('usage: node bundle.mjs <entry.ts> <out.mjs>');
    process.exit(2);
  }
  await bundleNodeEntry(entry, outfile);
}
