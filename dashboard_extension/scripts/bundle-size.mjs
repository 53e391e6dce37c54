// Prints the built JavaScript's gzipped size (issue target: at most 400 kB) as one JSON line.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const LIMIT = 400 * 1024;
const dir = new URL("../../saleor_ltv_plugin/static/saleor_ltv_plugin/dashboard/assets/", import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith(".js") || f.endsWith(".css"));
const sizes = Object.fromEntries(files.map((f) => {
  const data = readFileSync(join(dir, f));
  return [f, { raw: data.length, gzip: gzipSync(data, { level: 9 }).length }];
}));
const js = Object.entries(sizes).filter(([f]) => f.endsWith(".js")).reduce((n, [, s]) => n + s.gzip, 0);
const css = Object.entries(sizes).filter(([f]) => f.endsWith(".css")).reduce((n, [, s]) => n + s.gzip, 0);
console.log(JSON.stringify({ js_gzip_bytes: js, css_gzip_bytes: css, js_limit_bytes: LIMIT, files: sizes }));
if (js > LIMIT) {
  console.error(`bundle too large: ${js} bytes of gzipped JavaScript > ${LIMIT}`);
  process.exit(1);
}
