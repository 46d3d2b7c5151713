// The package as users get it: `npm pack` makes a tarball that installs into an empty project, whose two entry points
// import by their package names. The tarball goes to $TENANTCAST_PACK_DIR (Maven sets target/npm), else a temp dir.
// Run: npm test (in clients/js), or node --test test/*.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const npm = (args, cwd) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'],
  { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('the package version is the project version in pom.xml', () => {
  const pom = join(packageDir, '..', '..', 'pom.xml');
  const projectVersion = readFileSync(pom, 'utf8').match(/<artifactId>tenantcast<\/artifactId>\s*<version>([^<]+)</)[1];
  assert.equal(manifest.version, projectVersion);
});

test('npm pack makes a tarball that installs into an empty project and imports by package name', () => {
  const packDir = process.env.TENANTCAST_PACK_DIR || mkdtempSync(join(tmpdir(), 'tenantcast-pack-'));
  mkdirSync(packDir, { recursive: true });
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', packDir], packageDir));
  const tarball = join(packDir, packed.filename);
  assert.ok(existsSync(tarball), tarball);

  const shipped = packed.files.map((f) => f.path).sort();
  assert.deepEqual(shipped, ['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json', 'src/react.d.ts', 'src/react.js',
    'src/tenantcast-client.d.ts', 'src/tenantcast-client.js']);

  const consumer = mkdtempSync(join(tmpdir(), 'tenantcast-consumer-'));
  try {
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // React is an optional peer: the client alone installs without it, from the tarball only.
    npm(['install', '--offline', tarball], consumer);
    const installed = join(consumer, 'node_modules', '@tenantcast', 'client');
    assert.equal(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).version, manifest.version);
    assert.ok(!existsSync(join(consumer, 'node_modules', 'react')), 'react is not installed with the client');
    // A React app has its own React; this one borrows the package's devDependency.
    symlinkSync(join(packageDir, 'node_modules', 'react'), join(consumer, 'node_modules', 'react'), 'dir');

    const check = `
      import { createTenantcastClient, TenantcastClient, MESSAGE_TYPES } from '@tenantcast/client';
      import { useTenantcast } from '@tenantcast/client/react';
      class FakeEventSource { close() {} }
      const client = createTenantcastClient({ EventSource: FakeEventSource });
      let privatePath;
      try { await import('@tenantcast/client/src/react.js'); privatePath = 'importable'; }
      catch (e) { privatePath = e.code; }
      console.log(JSON.stringify({ client: client instanceof TenantcastClient, state: client.state,
        types: MESSAGE_TYPES.length, hook: typeof useTenantcast, privatePath }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', check], { cwd: consumer, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), { client: true, state: 'idle', types: 7, hook: 'function',
      privatePath: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
    for (const types of [manifest.exports['.'].types, manifest.exports['./react'].types]) {
      assert.ok(existsSync(join(installed, types)), `${types} is installed`);
    }
  } finally {
    rmSync(consumer, { recursive: true, force: true });
  }
});
