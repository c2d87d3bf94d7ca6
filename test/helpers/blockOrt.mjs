// Test helper: `node --import ./blockOrt.mjs …` makes onnxruntime-node unresolvable, as on an
// install without the optional peer dependency.
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(
  "export async function resolve(s, c, next) { if (s === 'onnxruntime-node') { const e = new Error(\"Cannot find package 'onnxruntime-node'\"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(s, c); }",
));
