import { describe, expect, it } from "vitest";
import { BodyCache } from "../src/worker/body-cache.js";

const bytes = (n: number) => new ArrayBuffer(n);

describe("BodyCache", () => {
  it("returns what it was given, under its key", () => {
    const cache = new BodyCache(100);
    const body = bytes(10);
    cache.set("a", body);
    expect(cache.get("a")).toBe(body);
    expect(cache.get("b")).toBeUndefined();
  });

  it("never holds more bytes than its budget, dropping the least recently used first", () => {
    const cache = new BodyCache(100);
    cache.set("a", bytes(40));
    cache.set("b", bytes(40));
    cache.get("a"); // a is now more recent than b
    cache.set("c", bytes(40));
    expect(cache.keys()).toEqual(["a", "c"]);
    expect(cache.bytes).toBe(80);
  });

  it("does not keep a body larger than the per-body limit, and keeps the others", () => {
    const cache = new BodyCache(100, 50);
    cache.set("small", bytes(30));
    cache.set("huge", bytes(60));
    expect(cache.keys()).toEqual(["small"]);
    expect(cache.bytes).toBe(30);
  });

  it("counts a replaced body once", () => {
    const cache = new BodyCache(100);
    cache.set("a", bytes(30));
    cache.set("a", bytes(50));
    expect(cache.bytes).toBe(50);
    expect(cache.keys()).toEqual(["a"]);
  });
});
