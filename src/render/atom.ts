/**
 * @module render/atom — Atom 1.0 (RFC 4287): a pure function of (entries, feed info) → XML text.
 */
import type { Entry, Person } from "../entry.js";
import { rfc3339 } from "./dates.js";
import { type FeedInfo, historyLinks, MEDIA_TYPES, otherFormats } from "./feed-info.js";
import { type FeedFrame, type FeedParts, joinFeedParts } from "./parts.js";
import {
  cdataElement,
  cdataText,
  emptyElement,
  openTag,
  parentElement,
  textElement,
  XML_DECLARATION,
} from "./xml.js";

const ATOM_NS = "http://www.w3.org/2005/Atom";
/** RFC 5005 feed history: `<fh:archive/>` marks an archive document. */
export const FEED_HISTORY_NS = "http://purl.org/syndication/history/1.0";
/** RFC 6721 tombstones: `<at:deleted-entry>` announces a removed entry. */
export const TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0";

function person(tag: "author" | "contributor", p: Person): string {
  return parentElement(tag, [textElement("name", p.name)]);
}

/**
 * One `<entry>`; feeds are assembled from these pieces, so each entry is rendered once.
 * @example renderAtomEntry(entry) // "<entry xml:lang=\"zh-Hans\">\n<id>https://…</id>…"
 */
export function renderAtomEntry(entry: Entry): string {
  const children = [
    textElement("id", entry.id),
    textElement("title", entry.title, { type: "text" }),
    emptyElement("link", { rel: "alternate", type: MEDIA_TYPES.html, href: entry.link }),
    textElement("published", rfc3339(entry.publishedMs)),
    textElement("updated", rfc3339(entry.updatedMs)),
    ...entry.authors.map((p) => person("author", p)),
    ...entry.contributors.map((p) => person("contributor", p)),
    ...entry.categories.map((c) =>
      emptyElement("category", { term: c.term, scheme: c.scheme, label: c.label }),
    ),
    ...entry.images.map((image) =>
      emptyElement("link", {
        rel: "enclosure",
        type: image.type,
        href: image.url,
        title: image.caption,
      }),
    ),
    textElement("summary", entry.summary, { type: "text" }),
    cdataElement("content", entry.contentHtml, { type: "html" }),
  ];
  return parentElement("entry", children, { "xml:lang": entry.language });
}

/**
 * The article's HTML as `renderAtomEntry` wrote it into an entry (its content, the entry's one CDATA
 * text); undefined when the XML holds none.
 * @example atomEntryContent(renderAtomEntry(entry)) === entry.contentHtml // true
 */
export function atomEntryContent(entryXml: string): string | undefined {
  return cdataText(entryXml);
}

/**
 * The Atom feed document.
 * @example renderAtom(entries.map(renderAtomEntry), describeFeed(config, entries))
 */
export function renderAtom(entryXml: readonly string[], info: FeedInfo): string {
  return joinFeedParts(renderAtomParts(entryXml, info));
}

/**
 * The Atom feed document in parts: the entries verbatim, one per line.
 * @example joinFeedParts(renderAtomParts(pieces, info)) === renderAtom(pieces, info) // true
 */
export function renderAtomParts(entryXml: readonly string[], info: FeedInfo): FeedParts {
  return { ...atomFrame(entryXml.length, info), pieces: entryXml };
}

/**
 * The Atom feed document around `count` entries.
 * @example atomFrame(0, info).tail // "\n</feed>\n"
 */
export function atomFrame(count: number, info: FeedInfo): FeedFrame {
  const { config, links } = info;
  const head = [
    textElement("id", info.id),
    textElement("title", info.title, { type: "text" }),
    textElement("subtitle", config.description, { type: "text" }),
    textElement("updated", rfc3339(info.updatedMs)),
    emptyElement("link", { rel: "self", type: MEDIA_TYPES.atom, href: links.atom }),
    emptyElement("link", { rel: "alternate", type: MEDIA_TYPES.html, href: info.home }),
    ...otherFormats("atom").map((format) =>
      emptyElement("link", { rel: "alternate", type: MEDIA_TYPES[format], href: links[format] }),
    ),
    ...historyLinks(info, "atom").map(([rel, href]) => emptyElement("link", { rel, href })),
    person("author", { name: config.author }),
    textElement("generator", "edgefeed"),
    ...(info.history?.archive ? [emptyElement("fh:archive", {})] : []),
  ];
  const tombstones = (info.deleted ?? []).map((gone) =>
    emptyElement("at:deleted-entry", { ref: gone.id, when: rfc3339(gone.deletedMs) }),
  );
  // Tombstones before the entries: RFC 6721 lets them stand anywhere in the feed, and RFC 4287's
  // schema wants every extension element of a feed ahead of its entries.
  const open = openTag("feed", {
    xmlns: ATOM_NS,
    ...(info.history ? { "xmlns:fh": FEED_HISTORY_NS } : {}),
    ...(tombstones.length > 0 ? { "xmlns:at": TOMBSTONES_NS } : {}),
    "xml:lang": config.language,
  });
  // One child per line, as parentElement writes them.
  const lead = [...head, ...tombstones].join("\n");
  return {
    head: `${XML_DECLARATION}\n${open}\n${lead}${count > 0 ? "\n" : ""}`,
    separator: "\n",
    tail: "\n</feed>\n",
  };
}
