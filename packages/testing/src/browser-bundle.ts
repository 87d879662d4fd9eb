import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface BrowserBundle {
  readonly errors: readonly unknown[];
  /** The bundled JavaScript. */
  readonly code: string;
  /** Every source file that went into it. */
  readonly inputs: readonly string[];
}

/**
 * Bundles an entry point the way a browser app would (platform `browser`,
 * ESM), so a package can prove it pulls in no Node built-ins.
 */
export async function bundleForBrowser(entry: URL): Promise<BrowserBundle> {
  const result = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    metafile: true,
  });
  return { errors: result.errors, code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
}

/** True when bundled code imports a Node built-in. */
export function importsNodeBuiltins(code: string): boolean {
  return /from\s*["']node:/.test(code) || /require\(\s*["']node:/.test(code);
}
