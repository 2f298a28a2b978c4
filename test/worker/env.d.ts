// The `cloudflare:test` module of @cloudflare/vitest-plugin, for the worker's tests.
/// <reference types="@cloudflare/vitest-plugin/types" />
