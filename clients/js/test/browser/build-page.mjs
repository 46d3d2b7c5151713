// Bundles react-page.jsx with React (development build) into one ES module: node build-page.mjs <outfile>.
// Run by ReactHookBrowserTest; esbuild's JS API finds its platform binary whether or not its install script ran.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const outfile = process.argv[2];
if (!outfile) throw new Error('usage: node build-page.mjs <outfile>');
await build({
  entryPoints: [fileURLToPath(new URL('react-page.jsx', import.meta.url))],
  bundle: true,
  format: 'esm',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"development"' },
  outfile,
  logLevel: 'warning',
});
