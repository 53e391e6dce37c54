import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The plugin serves the build at /plugins/global/saleor.ltv/app/ (Saleor and standalone alike);
// every page path gets index.html, so assets need absolute URLs.
export default defineConfig({
  base: "/plugins/global/saleor.ltv/app/",
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
