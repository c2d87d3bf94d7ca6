// SPDX-License-Identifier: MIT
import type { Command } from 'commander';
import { loadProblem, requireGmmProblem } from '../../problem/index.js';
import { exactPosteriorOf } from '../../math/posterior.js';

export function registerPosterior(program: Command): void {
  program
    .command('posterior')
    .description('the exact posterior (weights, means, covariances) of a Gaussian/GMM prior under a linear-Gaussian likelihood')
    .argument('<problem>', 'problem JSON file')
    .option('--json', 'print one JSON object on stdout')
    .option('--allow-outside-files', "let the problem file name files (prior, y .npy) outside its own directory")
    .action(async (problemPath: string, flags: { json?: boolean; allowOutsideFiles?: boolean }) => {
      const problem = await loadProblem(problemPath, { confine: flags.allowOutsideFiles !== true });
      const post = exactPosteriorOf(requireGmmProblem(problem, 'the exact posterior'));
      const d = post.dim;
      const rows = (a: Float64Array, n: number) => Array.from({ length: a.length / n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));
      const out = {
        dim: d,
        components: post.components,
        weights: Array.from(post.weights),
        means: rows(post.means, d),
        covariances: rows(post.covariances, d * d).map((c) => rows(Float64Array.from(c), d)),
        mean: Array.from(post.mean),
        covariance: rows(post.covariance, d),
        logEvidence: post.logEvidence,
      };
      if (flags.json) {
        process.stdout.write(JSON.stringify(out) + '\n');
        return;
      }
      const f = (v: number) => v.toPrecision(5);
      const lines = [`exact posterior: ${out.components} component(s) in ${d} dims, log evidence ${f(out.logEvidence)}`];
      out.weights.forEach((w, k) => lines.push(`  component ${k}: weight ${f(w)}${d <= 8 ? `, mean [${out.means[k].map(f).join(', ')}]` : ''}`));
      if (d <= 8) lines.push(`  mixture mean [${out.mean.map(f).join(', ')}]`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
