import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, ROOT, startLocalStack } from "../../src/cli/local-stack.js";
import { gradientPng } from "./png.js";

/** Where the screenshots go (git-ignored), for people to look at. */
const SCREENSHOTS = path.join(ROOT, "test-results");
const PHOTO = gradientPng(640, 360, [30, 90, 160], [230, 170, 60]);

let stack: LocalStack;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  stack = await startLocalStack();
  profile = await mkdtemp(path.join(tmpdir(), "edgefeed-chromium-"));
  // A fresh profile each run; Playwright passes it as --user-data-dir.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    deviceScaleFactor: 1,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  await mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (profile) await rm(profile, { recursive: true, force: true });
});

interface Opened {
  readonly page: Page;
  /** Content-Security-Policy violations and page errors the browser reported. */
  readonly problems: string[];
  /** Image URLs the page asked for. */
  readonly images: string[];
}

/**
 * Page-side code, as text: this project's TypeScript has no DOM types (the worker's runtime types
 * would clash with them), and Playwright runs strings as well as functions.
 */
const SCROLL_THROUGH = `(async () => {
  for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight) {
    window.scrollTo(0, y);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  window.scrollTo(0, 0);
})()`;

/** Opens the index page; article images (on other hosts, out of reach here) are answered with a PNG. */
async function openIndex(viewport: { width: number; height: number }): Promise<Opened> {
  const page = await browser.newPage();
  await page.setViewportSize(viewport);
  const problems: string[] = [];
  const images: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  await page.route(
    (url) => url.origin !== stack.origin,
    (route) => {
      const request = route.request();
      if (request.resourceType() !== "image") return route.abort();
      images.push(request.url());
      return route.fulfill({ status: 200, contentType: "image/png", body: PHOTO });
    },
  );
  const response = await page.goto(`${stack.origin}/`, { waitUntil: "load" });
  expect(response?.status()).toBe(200);
  // Lazy images below the fold load as they come into view: scroll through once.
  await page.evaluate(SCROLL_THROUGH);
  await page.waitForFunction("[...document.images].every((img) => img.complete)");
  return { page, problems, images };
}

describe("the index page in Chromium", () => {
  it("on a phone: title, subscribe links and every entry with its image, date and summary", async () => {
    const { page, problems, images } = await openIndex({ width: 390, height: 844 });
    const feed = (await (await fetch(`${stack.origin}/feed.json`)).json()) as {
      title: string;
      items: { title: string; image?: string }[];
    };

    await expect(page.title()).resolves.toBe(feed.title);
    expect(await page.locator("h1").textContent()).toBe(feed.title);
    const subscribe = page.getByRole("navigation", { name: "Subscribe" }).getByRole("link");
    // The three formats, and the OPML list of every feed (main, categories) for readers that import one.
    expect(await subscribe.allTextContents()).toEqual([
      "Atom",
      "RSS",
      "JSON Feed",
      "All feeds (OPML)",
    ]);

    const entries = page.locator("li.entry");
    expect(await entries.count()).toBe(feed.items.length);
    for (const [i, item] of feed.items.entries()) {
      const entry = entries.nth(i);
      expect(await entry.getByRole("heading").textContent()).toBe(item.title);
      expect(await entry.locator("time").isVisible()).toBe(true);
      expect((await entry.locator("p").textContent())?.length).toBeGreaterThan(20);
      if (item.image) {
        const img = entry.locator("img");
        expect(await img.getAttribute("src")).toBe(item.image);
        // Loaded, and shown across the column (not collapsed, not overflowing).
        expect(await img.evaluate((el) => (el as { naturalWidth?: number }).naturalWidth)).toBe(
          640,
        );
        const box = await img.boundingBox();
        expect(box?.width).toBeGreaterThan(300);
        expect(box?.width).toBeLessThanOrEqual(390);
      }
    }
    expect(images.length).toBe(feed.items.filter((item) => item.image).length);

    // Readable on a phone: nothing wider than the screen, text no smaller than 16 px.
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    expect(
      await page.evaluate("Number.parseFloat(getComputedStyle(document.body).fontSize)"),
    ).toBeGreaterThanOrEqual(16);
    // The style applied under the strict CSP (its hash matched), and nothing was blocked or failed.
    expect(
      await page.evaluate('getComputedStyle(document.querySelector(".subscribe")).display'),
    ).toBe("flex");
    expect(problems).toEqual([]);
    expect(await page.locator("script").count()).toBe(0);

    await page.screenshot({ path: path.join(SCREENSHOTS, "index-phone.png"), fullPage: true });
  });

  it("on a wide screen the text column stays readable and centred", async () => {
    const { page, problems } = await openIndex({ width: 1280, height: 900 });
    const body = await page.locator("body").boundingBox();
    expect(body?.width).toBeLessThanOrEqual(760);
    expect(Math.abs((body?.x ?? 0) * 2 + (body?.width ?? 0) - 1280)).toBeLessThan(4);
    expect(problems).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, "index-desktop.png") });
  });
});
