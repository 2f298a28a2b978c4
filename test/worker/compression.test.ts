import { reset } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import {
  compressSegment,
  crc32,
  inflateSegment,
  PAGE_DEFLATE_LEVEL,
  RAW_DEFLATES,
  tableCrc32,
} from "../../src/gzip-join.js";
import { DEFLATE_CASES } from "../helpers/deflate-cases.js";
import { decodeBody, publishSite, renderedBody, request } from "./helpers.js";

beforeEach(async () => {
  await reset();
  await publishSite();
});

describe("content coding", () => {
  it.each([
    [undefined, null],
    ["identity", null],
    ["gzip", "gzip"],
    ["x-gzip", "gzip"],
    ["gzip, deflate, br, zstd", "br"],
    ["br;q=0.5, gzip", "gzip"],
    ["br;q=0, gzip;q=0", null],
    ["*", "br"],
    ["deflate", null],
  ])("Accept-Encoding: %s is answered with coding %s", async (accept, coding) => {
    const headers: Record<string, string> =
      accept === undefined ? {} : { "Accept-Encoding": accept };
    const response = await request("/feed.atom", { headers });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Encoding")).toBe(coding);
    expect(await decodeBody(response)).toBe(renderedBody("feed.atom"));
  });

  it.each(["/", "/feed.atom", "/feed.rss", "/feed.json"])(
    "%s is stored pre-compressed: gzip and brotli bodies are smaller and Content-Length is theirs",
    async (path) => {
      const plain = await request(path);
      const plainSize = (await plain.arrayBuffer()).byteLength;
      for (const coding of ["gzip", "br"]) {
        const response = await request(path, { headers: { "Accept-Encoding": coding } });
        const bytes = await response.clone().arrayBuffer();
        expect(response.headers.get("Content-Encoding")).toBe(coding);
        expect(Number(response.headers.get("Content-Length"))).toBe(bytes.byteLength);
        expect(bytes.byteLength).toBeLessThan(plainSize / 2);
        expect(await decodeBody(response)).toBe(
          await new Response(await request(path).then((r) => r.arrayBuffer())).text(),
        );
      }
    },
  );

  it.each([
    ["", null],
    ["gzip", "gzip"],
    ["gzip, br", "br"],
  ])(
    "follows the client's own Accept-Encoding (cf.clientAcceptEncoding %j), not the edge's br, gzip",
    async (client, coding) => {
      const response = await request("/feed.atom", {
        headers: { "Accept-Encoding": "br, gzip" },
        cf: { clientAcceptEncoding: client },
      } as RequestInit);
      expect(response.headers.get("Content-Encoding")).toBe(coding);
      expect(await decodeBody(response)).toBe(renderedBody("feed.atom"));
    },
  );

  it("the runtime passes the stored gzip through: a client decoding it reads the feed", async () => {
    const response = await exports.default.fetch("https://news.example/feed.json", {
      headers: { "Accept-Encoding": "gzip" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Encoding")).toBe("gzip");
    expect(await response.text()).toBe(renderedBody("feed.json"));
  });
});

describe("compressing pieces in workerd", () => {
  it("uses the runtime's zlib (nodejs_compat), which writes the same bytes as pako", () => {
    const { builtin, pako } = RAW_DEFLATES;
    expect(builtin).toBeDefined();
    for (const [what, data] of DEFLATE_CASES) {
      const segment = compressSegment(data);
      expect(segment.bytes, what).toEqual(compressSegment(data, pako).bytes);
      expect(compressSegment(data, undefined, PAGE_DEFLATE_LEVEL).bytes, what).toEqual(
        compressSegment(data, pako, PAGE_DEFLATE_LEVEL).bytes,
      );
      expect(segment.crc, what).toBe(tableCrc32(data));
      expect(inflateSegment(segment), what).toEqual(data);
    }
    expect(crc32(new TextEncoder().encode("123456789")).toString(16)).toBe("cbf43926");
  });
});
