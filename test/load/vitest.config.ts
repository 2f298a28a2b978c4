import { defineConfig } from "vitest/config";

// A bounded load test of the real `npm start` stack on 127.0.0.1. `npm test` runs a short one;
// `npm run load` a longer one (LOAD_SECONDS, LOAD_REQUESTS).
export default defineConfig({
  test: {
    name: "load",
    include: ["**/*.test.ts"],
    environment: "node",
    testTimeout: 600_000,
    hookTimeout: 180_000,
  },
});
