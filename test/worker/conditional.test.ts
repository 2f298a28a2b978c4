import { describe, expect, it } from "vitest";
import { notModifiedTag, parseEntityTags } from "../../src/worker/conditional.js";

const VALIDATORS = { etags: ['"abc"', '"abc-gzip"'], lastModifiedMs: Date.UTC(2026, 10, 26, 12) };

describe("parseEntityTags", () => {
  it("reads a list of strong and weak tags, commas inside tags included", () => {
    expect(parseEntityTags(' "a", W/"b" ,"c,d"')).toEqual(["a", "b", "c,d"]);
  });

  it("reads * alone as any", () => {
    expect(parseEntityTags(" * ")).toBe("*");
  });
});

describe("notModifiedTag", () => {
  it("names the client's matching tag, strong form", () => {
    expect(notModifiedTag({ ifNoneMatch: 'W/"abc-gzip"' }, VALIDATORS, '"abc"')).toBe('"abc-gzip"');
  });

  it("answers undefined (a full response) when no tag matches", () => {
    expect(notModifiedTag({ ifNoneMatch: '"abd", "ab"' }, VALIDATORS, '"abc"')).toBeUndefined();
  });

  it("compares If-Modified-Since to the second", () => {
    const at = (iso: string) => notModifiedTag({ ifModifiedSince: iso }, VALIDATORS, '"abc"');
    expect(at("Thu, 26 Nov 2026 12:00:00 GMT")).toBe('"abc"');
    expect(at("Thu, 26 Nov 2026 11:59:59 GMT")).toBeUndefined();
  });

  it("ignores If-Modified-Since when If-None-Match is present", () => {
    const request = { ifNoneMatch: '"other"', ifModifiedSince: "Fri, 01 Jan 2100 00:00:00 GMT" };
    expect(notModifiedTag(request, VALIDATORS, '"abc"')).toBeUndefined();
  });
});
