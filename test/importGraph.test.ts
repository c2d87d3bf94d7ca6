// SPDX-License-Identifier: MIT
// The published library's import graph (dist/lib/index.js) must not carry dev tooling: benchmarks,
// paper reproductions, demos, plotting and the CLI are reachable only from the CLI entry point.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const distLib = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'lib');
// queue/ has its own entry point (langevin/queue), so importing the root never loads bullmq/ioredis.
const DEV_ONLY = ['bench/', 'repro/', 'demo/', 'plot/', 'cli/', 'queue/'];

/** Relative static and dynamic imports of one compiled module, resolved to absolute paths. */
function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  for (const m of src.matchAll(re)) out.push(resolve(dirname(file), m[1] ?? m[2]));
  return out;
}

function graph(entry: string): Map<string, string> {
  const parent = new Map<string, string>([[entry, '']]);
  const queue = [entry];
  while (queue.length) {
    const file = queue.shift()!;
    for (const dep of importsOf(file)) {
      if (parent.has(dep)) continue;
      parent.set(dep, file);
      queue.push(dep);
    }
  }
  return parent;
}

test('the library entry point imports no bench, repro, demo, plot, CLI or queue module', (t) => {
  const parent = graph(join(distLib, 'index.js'));
  t.true(parent.size > 20, 'the walker found the library modules');
  const offenders: string[] = [];
  for (const [file] of parent) {
    const rel = relative(distLib, file);
    if (DEV_ONLY.some((d) => rel.startsWith(d))) {
      const chain = [rel];
      for (let p = parent.get(file); p; p = parent.get(p)) chain.push(relative(distLib, p));
      offenders.push(chain.reverse().join(' -> '));
    }
  }
  t.deepEqual(offenders, []);
});

test('the walker does see dev tooling when it is imported (the CLI reaches repro)', (t) => {
  const parent = graph(join(distLib, 'cli', 'main.js'));
  t.true([...parent.keys()].some((f) => relative(distLib, f).startsWith('repro/')));
});
