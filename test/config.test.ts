import { describe, expect, it } from "vitest";
import { readSiteConfig } from "../src/config.js";

const VARS = { SITE_URL: "https://news.example/", FEED_TITLE: "News" };

describe("readSiteConfig: WEBSUB_HUB", () => {
  it("has no hub when WEBSUB_HUB is missing or empty", () => {
    expect(readSiteConfig(VARS).hub).toBeUndefined();
    expect(readSiteConfig({ ...VARS, WEBSUB_HUB: "" }).hub).toBeUndefined();
  });

  it("takes an http(s) hub URL, normalized", () => {
    expect(readSiteConfig({ ...VARS, WEBSUB_HUB: " https://hub.example " }).hub).toBe(
      "https://hub.example/",
    );
  });

  it("rejects a hub that is not an http(s) URL, naming the variable", () => {
    for (const hub of ["hub.example", "ftp://hub.example/"])
      expect(() => readSiteConfig({ ...VARS, WEBSUB_HUB: hub })).toThrow(
        /WEBSUB_HUB.*expected an http\(s\) URL/,
      );
  });
});
