import { defineConfig } from "vitest/config";

// The core and the CLI in Node ("unit"); the worker inside workerd (test/worker) and the real
// `npm start` stack over HTTP (test/e2e), each with its own vitest.config.ts picked up by the glob below.
// test/browser needs Chromium and runs on its own: `npm run test:browser`.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: [
            "test/worker/**",
            "test/e2e/**",
            "test/browser/**",
            "test/load/**",
            "node_modules/**",
          ],
          environment: "node",
          testTimeout: 60_000,
        },
      },
      "test/*/vitest.config.ts",
    ],
  },
});
