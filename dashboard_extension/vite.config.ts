import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Relative URLs: the app serves the build under its URL prefix (a setting) and names that place in
// index.html's <base href> (app_pages.py), so one build works wherever it is mounted.
export default defineConfig({
  base: "./",
  plugins: [react(), onlyVariableFonts()],
  build: {
    outDir: "../saleor_ltv_plugin/static/saleor_ltv_plugin/dashboard",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
  // The flow pages' queries are checked against the schema the plugin serves (src/flowApi.test.ts).
  server: { fs: { allow: [".", "../saleor_ltv_plugin/graphql"] } },
  test: { environment: "jsdom", include: ["src/**/*.test.{ts,tsx}"] },
});

// macaw-ui's stylesheet declares ~50 font files; its upright variable fonts cover every weight,
// so the Python package ships three fonts instead of all of them.
function onlyVariableFonts() {
  return {
    name: "ltv-only-variable-fonts",
    enforce: "pre" as const,
    transform(code: string, id: string) {
      if (!id.includes("@saleor/macaw-ui") || !id.endsWith(".css")) return null;
      return code.replace(/@font-face\s*{[^}]*}/g, (rule) =>
        /font-family:\s*(Inter|Geist|Geist Mono) var/.test(rule) && /font-style:\s*normal/.test(rule) ? rule : "");
    },
  };
}
