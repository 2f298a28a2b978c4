/**
 * @module article/query — reading an article's tree: CSS selector queries, linear in its size, and
 * the text of a subtree.
 *
 * cheerio's `$(selector)` and `$.root().find(selector)` first sort out the top-level nodes, quadratic
 * in their number: 30,000 sibling images took seconds. css-select given the document node itself
 * walks it once.
 */
import type { CheerioAPI } from "cheerio/slim";
import { compile, selectAll } from "css-select";
import type { AnyNode, Element, Text } from "domhandler";

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

/**
 * The text of a subtree (what cheerio's `.text()` gives on a cleaned article), gathered without
 * recursion and without a cheerio object.
 * @example textOf(paragraph) // "记者吕熙伦敦报道"
 */
export function textOf(root: AnyNode): string {
  const parts: string[] = [];
  const stack: AnyNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as AnyNode;
    if (node.type === "text") parts.push((node as Text).data);
    else if ("children" in node) {
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i] as AnyNode);
    }
  }
  return parts.join("");
}
