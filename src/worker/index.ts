/**
 * @module worker — the edge worker's entry: serves the published feeds and page from Workers KV.
 */
import { createApp } from "./app.js";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
