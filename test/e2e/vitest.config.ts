import { defineConfig } from "vitest/config";

// The real `npm start` stack (build, publish to local KV, wrangler dev) on 127.0.0.1, fetched over HTTP.
export default defineConfig({
  test: {
    name: "e2e",
    include: ["**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
