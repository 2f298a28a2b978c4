/**
 * @module article/query — CSS selector queries over an article, linear in its size.
 *
 * cheerio's `$(selector)` and `$.root().find(selector)` first sort out the top-level nodes, quadratic
 * in their number: 30,000 sibling images took seconds. css-select given the document node itself
 * walks it once.
 */
import type { CheerioAPI } from "cheerio/slim";
import { selectAll } from "css-select";
import type { AnyNode, Element } from "domhandler";

/**
 * Every element of the article matching `selector`, in document order.
 * @example queryAll($, "a[rel~=tag]").length // 2
 */
export function queryAll($: CheerioAPI, selector: string): Element[] {
  return selectAll<AnyNode, Element>(selector, $.root().get(0) as AnyNode);
}
