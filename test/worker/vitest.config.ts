import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// The worker's tests, inside workerd with the bindings of wrangler.toml (KV emulated, per test).
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "../../wrangler.toml" },
      // The ingest API's secret, as .dev.vars gives it locally.
      miniflare: { bindings: { INGEST_TOKEN: "test-ingest-token" } },
    }),
  ],
  test: {
    name: "worker",
    include: ["**/*.test.ts"],
    testTimeout: 30_000,
  },
});
