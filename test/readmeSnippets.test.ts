// SPDX-License-Identifier: MIT
// Every ```ts block of README.md type-checks against the built package: each block becomes a module
// in a temp app whose node_modules/langevin links to this repository, so 'langevin' resolves
// through package.json's `exports` to dist/lib/index.d.ts, exactly as for a user.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

test('README ```ts blocks type-check against the package', (t) => {
  const blocks = tsBlocks(readFileSync(join(repo, 'README.md'), 'utf8'));
  t.true(blocks.length >= 3, `found ${blocks.length} ts blocks`);
  const app = mkdtempSync(join(tmpdir(), 'langevin-readme-'));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(repo, join(app, 'node_modules', 'langevin'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'readme-snippets', private: true, type: 'module' }));
  const files = blocks.map((code, i) => {
    const name = `snippet${i + 1}.ts`;
    writeFileSync(join(app, name), `${code}\nexport {};\n`);
    return name;
  });
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
      skipLibCheck: true, typeRoots: [join(repo, 'node_modules', '@types')], types: ['node'],
    },
    files,
  }));
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(app, 'tsconfig.json')], { cwd: app, encoding: 'utf8' });
  t.is(r.status, 0, `tsc --noEmit on README snippets in ${app}:\n${r.stdout}${r.stderr}`);
});

test('the extractor finds ts blocks and ignores other languages', (t) => {
  t.deepEqual(tsBlocks('a\n```ts\nconst x = 1;\n```\n```js\nno\n```\n```ts\ny;\n```\n'), ['const x = 1;\n', 'y;\n']);
});
