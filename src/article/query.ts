/**
 * @module article/query — CSS selector queries over an article, linear in its size.
 *
 * cheerio's `$(selector)` and `$.root().find(selector)` first sort out the top-level nodes, quadratic
 * in their number: 30,000 sibling images took seconds. css-select given the document node itself
 * walks it once.
 */
import type { CheerioAPI } from "cheerio/slim";
import { compile, selectAll } from "css-select";
import type { AnyNode, Element } from "domhandler";

/** Selectors compiled once: profiles ask the same few of every article. */
type CompiledQuery = ReturnType<typeof compile<AnyNode, Element>>;
const compiled = new Map<string, CompiledQuery>();

function compiledQuery(selector: string): CompiledQuery {
  let query = compiled.get(selector);
  if (query === undefined) {
    query = compile<AnyNode, Element>(selector);
    compiled.set(selector, query);
  }
  return query;
}

/**
 * Every element of the article matching `selector`, in document order.
 * @example queryAll($, "a[rel~=tag]").length // 2
 */
export function queryAll($: CheerioAPI, selector: string): Element[] {
  return selectAll<AnyNode, Element>(compiledQuery(selector), $.root().get(0) as AnyNode);
}
