/**
 * @module worker/routes — every URL the worker answers, and what it answers with.
 */
import { FEED_PATHS } from "../config.js";
import { INDEX_PATH } from "../publish.js";
import { OPML_PATH } from "../site.js";

export type Route =
  /** A published document, by its path in the manifest. */
  | { readonly kind: "document"; readonly path: string; readonly cors: boolean }
  /** A permanent redirect to the canonical URL. */
  | { readonly kind: "redirect"; readonly location: string }
  /** The published version's facts, as JSON. */
  | { readonly kind: "health" };

const feed = (path: string): Route => ({ kind: "document", path, cors: true });
const redirect = (location: string): Route => ({ kind: "redirect", location });

/** Routes by request path; strict: "/feed" and "/feed/" are different paths. */
export const ROUTES: Readonly<Record<string, Route>> = {
  "/": { kind: "document", path: INDEX_PATH, cors: false },
  [`/${FEED_PATHS.atom}`]: feed(FEED_PATHS.atom),
  [`/${FEED_PATHS.rss}`]: feed(FEED_PATHS.rss),
  [`/${FEED_PATHS.json}`]: feed(FEED_PATHS.json),
  [`/${OPML_PATH}`]: feed(OPML_PATH),
  "/health": { kind: "health" },
  // Names other generators use, so subscriptions copied from elsewhere keep working. /feed.xml is
  // Atom as Jekyll makes it; /feed is our main format.
  "/atom.xml": redirect(`/${FEED_PATHS.atom}`),
  "/rss.xml": redirect(`/${FEED_PATHS.rss}`),
  "/feed.xml": redirect(`/${FEED_PATHS.atom}`),
  "/feed": redirect(`/${FEED_PATHS.atom}`),
  "/feed/": redirect(`/${FEED_PATHS.atom}`),
  [`/${INDEX_PATH}`]: redirect("/"),
};

/** The methods a route answers, for routing and for 405's Allow. */
export function allowedMethods(route: Route): readonly string[] {
  // Feeds answer CORS preflights: a web reader sending If-None-Match triggers one.
  return route.kind === "document" && route.cors ? ["GET", "HEAD", "OPTIONS"] : ["GET", "HEAD"];
}
