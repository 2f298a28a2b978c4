import { defineConfig } from "vitest/config";

// The index page in headless Chromium (Debian's /usr/bin/chromium): `npm run test:browser`, which
// .ci/run calls after installing Chromium. Not part of `npm test`, which must run without a browser.
export default defineConfig({
  test: {
    name: "browser",
    root: import.meta.dirname,
    include: ["**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
