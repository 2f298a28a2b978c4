import { describe, expect, it } from "vitest";
import { chooseEncoding, parseAcceptEncoding } from "../../src/worker/negotiate.js";

const ALL = ["identity", "gzip", "br"] as const;

describe("parseAcceptEncoding", () => {
  it("reads codings and q-values, case and spaces aside", () => {
    expect(parseAcceptEncoding(" GZIP ;q=0.5,br , identity; q=0, x-gzip;q=0.25")).toEqual(
      new Map([
        ["gzip", 0.25],
        ["br", 1],
        ["identity", 0],
      ]),
    );
  });

  it("ignores a malformed q and keeps the coding at quality 1", () => {
    expect(parseAcceptEncoding("gzip;q=high")).toEqual(new Map([["gzip", 1]]));
  });
});

describe("chooseEncoding", () => {
  it.each([
    [undefined, "identity"],
    ["", "identity"],
    ["gzip, deflate", "gzip"],
    ["gzip;q=1, br;q=0.9", "gzip"],
    ["*;q=0.5, gzip;q=0", "br"],
    ["identity;q=0, *;q=0", "identity"],
  ])("Accept-Encoding %j picks %s among identity, gzip and br", (field, expected) => {
    expect(chooseEncoding(field, ALL)).toBe(expected);
  });

  it("only picks what is stored", () => {
    expect(chooseEncoding("br, gzip", ["identity", "gzip"])).toBe("gzip");
    expect(chooseEncoding("br", ["identity", "gzip"])).toBe("identity");
  });
});
