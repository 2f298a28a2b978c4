import { defineConfig } from "vitest/config";

// Two kinds of tests: the core and the CLI in Node ("unit"), and the worker inside workerd
// (test/worker/vitest.config.ts, picked up by the glob below).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/worker/**", "test/e2e/**", "node_modules/**"],
          environment: "node",
          testTimeout: 60_000,
        },
      },
      "test/*/vitest.config.ts",
    ],
  },
});
