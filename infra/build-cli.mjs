// One esbuild bundle of the CLI, the server it starts and the workspace packages:
// apps/cli/dist/tracktrove.mjs. Third-party code is bundled too, except the packages that read
// files of their own at run time (PGlite's WebAssembly and data, Swagger UI's assets), which stay
// imports: apps/cli depends on them, and the packed tool installs them.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../apps/cli/', import.meta.url));
export const bundlePath = `${cli}dist/tracktrove.mjs`;

/** Imported at run time, not bundled. */
export const runtimeDependencies = ['@electric-sql/pglite', '@fastify/swagger-ui'];

export async function buildCli(outfile = bundlePath) {
  await build({
    entryPoints: [`${cli}src/main.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    external: [...runtimeDependencies, ...runtimeDependencies.map((name) => `${name}/*`), 'pg-native'],
    // CommonJS modules in the bundle call require() for Node's built-ins.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
