/** Bundles a Node entry point (workspace packages in, third-party packages external) into one ES module. */
export function bundleNodeEntry(entry: string, outfile: string): Promise<void>;
