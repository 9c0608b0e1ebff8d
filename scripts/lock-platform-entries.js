#!/usr/bin/env node
/**
 * Keeps package-lock.json installable by `npm ci` when the registry lacks some platform-specific optional
 * packages (prebuilt binaries for other operating systems, e.g. @msgpackr-extract/*-darwin-arm64). npm install
 * skips such a package and leaves it out of the lock, and `npm ci` then refuses the lock ("Missing: … from lock
 * file"). This adds an entry for each, marked optional with the os/cpu its name declares, which npm ci skips on
 * other platforms without downloading anything. Runs after every `npm install` (package.json "postinstall").
 */
const { readFileSync, writeFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const lockFile = join(__dirname, '..', 'package-lock.json');
if (!existsSync(lockFile)) {
  process.exit(0);
}
const lock = JSON.parse(readFileSync(lockFile, 'utf8'));
const packages = lock.packages;

const OS = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'openharmony', 'openbsd', 'netbsd', 'sunos', 'aix'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 'riscv64', 's390x', 'loong64', 'wasm32', 'mips64el'];

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OS.includes(p));
  const cpu =
    parts.find((p) => CPU.includes(p)) ?? (parts.includes('armv7') || parts.includes('arm') ? 'arm' : undefined);
  return { os, cpu };
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = path ? `${path}/node_modules/` : 'node_modules/';
    if (packages[`${base}${dep}`] || packages[`node_modules/${dep}`]) {
      continue;
    }
    const { os, cpu } = platformOf(dep);
    if (!os || (os === process.platform && (!cpu || cpu === process.arch))) {
      continue; // not a foreign-platform binary: leave it to npm
    }
    packages[`node_modules/${dep}`] = {
      version: range.replace(/^[\^~=]/, ''),
      optional: true,
      os: [os],
      ...(cpu ? { cpu: [cpu] } : {}),
    };
    added++;
  }
}
if (added > 0) {
  const sorted = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
  );
  lock.packages = sorted;
  writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
  process.stdout.write(
    `lock-platform-entries: added ${added} foreign-platform optional entries to package-lock.json\n`,
  );
}
