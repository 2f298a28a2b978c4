/**
 * A fake WebSub hub on 127.0.0.1 for the Node-side tests: it records every request it receives and
 * answers with the status the test sets.
 */
import { createServer } from "node:http";

/** What the fake hub received: one entry per request. */
export interface HubRequest {
  readonly method: string;
  readonly contentType: string;
  readonly form: URLSearchParams;
}

export interface FakeHub {
  /** The hub's URL, `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** Every request so far, in order. */
  readonly received: HubRequest[];
  /** The status the next requests are answered with (204 unless set). */
  status: number;
  close(): Promise<void>;
}

/** Starts a fake hub on a free port of 127.0.0.1. */
export async function startFakeHub(): Promise<FakeHub> {
  const received: HubRequest[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        contentType: req.headers["content-type"] ?? "",
        form: new URLSearchParams(body),
      });
      res.writeHead(hub.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const hub: FakeHub = {
    url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/`,
    received,
    status: 204,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return hub;
}
