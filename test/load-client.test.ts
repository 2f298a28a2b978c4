/**
 * The benchmark's load client (src/cli/load-client.ts) against a small server on 127.0.0.1: the figures
 * it reports are the server's, statuses outside the expected one are counted, and a URL that does not
 * answer as expected before the load is refused. Each load lasts one second.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasWrk, type LoadClientName, loadUrl } from "../src/cli/load-client.js";

let server: Server;
let origin: string;
let served = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    served++;
    // Every fifth request to /flaky fails, so a client that counts statuses must see some.
    const fail = request.url === "/flaky" && served % 5 === 0;
    response.writeHead(request.url === "/missing" || fail ? 404 : 200, {
      "content-type": "text/plain",
    });
    response.end("x".repeat(1000));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const clients: LoadClientName[] = ["autocannon", ...(hasWrk() ? (["wrk"] as const) : [])];

describe.each(clients)("loadUrl with %s", (client) => {
  it("reports the requests the server answered, their latency and size", async () => {
    const before = served;
    const figures = await loadUrl(
      `${origin}/ok`,
      { seconds: 1, connections: 2, headers: {}, status: 200 },
      client,
    );
    expect(figures.client).toBe(client);
    expect(figures.requests).toBeGreaterThan(10);
    // The probe before the load is one request more than the load's own.
    expect(served - before).toBeGreaterThanOrEqual(figures.requests);
    expect(figures.errors).toBe(0);
    expect(figures.unexpectedStatus).toBe(0);
    // Loopback answers in under a millisecond; autocannon rounds latencies to whole milliseconds.
    expect(figures.p50Ms).toBeGreaterThanOrEqual(0);
    expect(figures.p50Ms).toBeLessThan(1000);
    expect(figures.p99Ms).toBeGreaterThanOrEqual(figures.p50Ms);
    // 1,000 bytes of body and the headers.
    expect(figures.bytesPerResponse).toBeGreaterThan(1000);
    expect(figures.bytesPerResponse).toBeLessThan(1300);
  });

  it("counts responses with another status", async () => {
    served = 1; // the probe is request 2: a 200
    const figures = await loadUrl(
      `${origin}/flaky`,
      { seconds: 1, connections: 2, headers: {}, status: 200 },
      client,
    );
    expect(figures.unexpectedStatus).toBeGreaterThan(0);
    expect(figures.unexpectedStatus).toBeLessThan(figures.requests);
  });

  it("refuses a URL that does not answer the expected status before loading it", async () => {
    await expect(
      loadUrl(
        `${origin}/missing`,
        { seconds: 1, connections: 2, headers: {}, status: 200 },
        client,
      ),
    ).rejects.toThrow(/answered 404 before the load, not 200/);
  });
});
