import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { notifyHub, readSeedBatches } from "../src/cli/publish-seeds.js";
import { readSiteConfig } from "../src/config.js";
import type { SitePublishReport } from "../src/site.js";
import { hubNotification } from "../src/websub.js";
import { type FakeHub, startFakeHub } from "./helpers/fake-hub.js";

const config = (hub?: string) =>
  readSiteConfig({
    SITE_URL: "https://news.example/",
    FEED_TITLE: "News",
    ...(hub ? { WEBSUB_HUB: hub } : {}),
  });

/** Only what notifyHub reads of a publish report. */
const published = (changedFeeds: string[]) => ({ changedFeeds }) as unknown as SitePublishReport;

describe("readSeedBatches", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "edgefeed-batches-"));
    await mkdir(path.join(dir, "2021"));
    for (const name of ["b.txt", "a.txt", "2021/c.txt", "notes.md", "d.txt", "e.txt"])
      await writeFile(path.join(dir, name), `document ${name}`);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("reads the seeds in sorted order, a bounded batch at a time, saying how far it got", async () => {
    const batches = [];
    for await (const batch of readSeedBatches(dir, 2)) batches.push(batch);
    const base = dir.split(path.sep).join("/");
    expect(batches.map((b) => b.documents.map((d) => d.name))).toEqual([
      [`${base}/2021/c.txt`, `${base}/a.txt`],
      [`${base}/b.txt`, `${base}/d.txt`],
      [`${base}/e.txt`],
    ]);
    expect(batches.map((b) => [b.done, b.total])).toEqual([
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
    expect(new TextDecoder().decode(batches[0]?.documents[1]?.bytes)).toBe("document a.txt");
  });
});

describe("hubNotification", () => {
  it("names every changed feed by its absolute URL, with hub.mode=publish", () => {
    const notification = hubNotification(config("https://hub.example/"), [
      "feed.atom",
      "category/world.rss",
    ]);
    expect(notification?.hub).toBe("https://hub.example/");
    expect(notification?.body.get("hub.mode")).toBe("publish");
    expect(notification?.body.getAll("hub.url")).toEqual([
      "https://news.example/feed.atom",
      "https://news.example/category/world.rss",
    ]);
  });

  it("is nothing without a hub, or when no feed changed", () => {
    expect(hubNotification(config(), ["feed.atom"])).toBeNull();
    expect(hubNotification(config("https://hub.example/"), [])).toBeNull();
  });
});

describe("notifyHub", () => {
  let hub: FakeHub;
  let hubUrl: string;
  beforeEach(async () => {
    hub = await startFakeHub();
    hubUrl = hub.url;
  });
  afterEach(() => hub.close());

  it("posts the changed feeds to the hub and says so", async () => {
    const line = await notifyHub(config(hubUrl), published(["feed.atom", "feed.json"]));
    expect(line).toBe(`WebSub: told ${hubUrl} about 2 changed feeds`);
    expect(hub.received.map((request) => request.form.getAll("hub.url"))).toEqual([
      ["https://news.example/feed.atom", "https://news.example/feed.json"],
    ]);
  });

  it("reports a hub that refuses, without throwing", async () => {
    hub.status = 500;
    expect(await notifyHub(config(hubUrl), published(["feed.atom"]))).toBe(
      `WebSub: hub ${hubUrl} answered 500; subscribers hear of the next publish`,
    );
  });

  it("sends nothing when the publish changed no feed or made no version", async () => {
    expect(await notifyHub(config(hubUrl), published([]))).toBeNull();
    expect(await notifyHub(config(hubUrl), null)).toBeNull();
    expect(hub.received).toEqual([]);
  });
});
