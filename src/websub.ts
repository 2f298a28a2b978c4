/**
 * @module websub — the WebSub publish notification: which feeds changed, as the form a hub expects
 * (`hub.mode=publish` and one `hub.url` per feed). Pure: the worker and the CLI send it their own way.
 */
import type { SiteConfig } from "./config.js";

/** A request to send to the hub. */
export interface HubNotification {
  readonly hub: string;
  readonly body: URLSearchParams;
}

/**
 * The notification for a publish that changed `changedFeeds` (paths below the site URL); null when no
 * hub is configured or no feed changed.
 * @example hubNotification(config, ["feed.atom"])?.body.toString() // "hub.mode=publish&hub.url=https%3A%2F%2F…%2Ffeed.atom"
 */
export function hubNotification(
  config: Pick<SiteConfig, "hub" | "siteUrl">,
  changedFeeds: readonly string[],
): HubNotification | null {
  if (!config.hub || changedFeeds.length === 0) return null;
  const body = new URLSearchParams({ "hub.mode": "publish" });
  for (const path of changedFeeds) body.append("hub.url", new URL(path, config.siteUrl).href);
  return { hub: config.hub, body };
}
