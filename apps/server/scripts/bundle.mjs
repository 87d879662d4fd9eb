// Builds a Node entry point into one ES module: the workspace's TypeScript
// packages are bundled in, third-party packages stay in node_modules. A
// server started from the bundle runs on plain Node, without transpiling
// every module at start and keeping what tsx made of it (about 49 MB of RSS
// for this server; docs/performance.md, "Big document").
//
//   node apps/server/scripts/bundle.mjs <entry.ts> <out.mjs>
import { build } from 'esbuild';
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

export async function bundleNodeEntry(entry, outfile) {
  await build({
    entryPoints: [entry],
    outfile,
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
