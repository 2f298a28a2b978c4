import { load } from "cheerio/slim";
import { describe, expect, it } from "vitest";
import { ARTICLE_PARSE_OPTIONS, cleanArticle } from "../src/article/clean.js";
import { imageTypeOf } from "../src/article/media-types.js";
import { queryAll, textOf } from "../src/article/query.js";
import { readRfaCredits } from "../src/article/sites/rfa.js";
import { canonicalArticleUrl, resolveSrcset, resolveUrl } from "../src/article/urls.js";
import { MAY_JOIN_CLUSTERS, truncateText } from "../src/text.js";

const URL_ = "https://news.example/world/2021/story.html";
const clean = (html: string, url = URL_) => cleanArticle(html, url);

describe("cleanArticle: URLs", () => {
  it("resolves relative href, src, srcset and poster against the article URL", () => {
    const a = clean(
      '<p><a href="../about.html">about</a> <img src="img/a.jpg" srcset="img/a.jpg 1x, /img/a@2x.jpg 2x"></p>' +
        '<video src="v.mp4" poster="//cdn.example/p.png"></video><p>text</p>',
    );
    expect(a.html).toContain('href="https://news.example/world/about.html"');
    expect(a.html).toContain('src="https://news.example/world/2021/img/a.jpg"');
    expect(a.html).toContain(
      'srcset="https://news.example/world/2021/img/a.jpg 1x, https://news.example/img/a@2x.jpg 2x"',
    );
    expect(a.html).toContain('poster="https://cdn.example/p.png"');
  });

  it("promotes lazy-loading attributes over placeholders", () => {
    const a = clean(
      '<p>x</p><img src="data:image/gif;base64,R0lGOD" data-src="/real.png" data-srcset="/r.png 2x">',
    );
    expect(a.html).toContain('src="https://news.example/real.png"');
    expect(a.html).toContain('srcset="https://news.example/r.png 2x"');
    expect(a.html).not.toContain("data:");
    expect(a.images).toEqual([{ url: "https://news.example/real.png", type: "image/png" }]);
  });

  it("percent-encodes spaces and keeps non-ASCII paths and IDN hosts loadable", () => {
    const a = clean(
      '<p>x</p><img src="/photos/my photo.jpg"><img src="https://bücher.example/封面.png">',
    );
    expect(a.images.map((i) => i.url)).toEqual([
      "https://news.example/photos/my%20photo.jpg",
      "https://xn--bcher-kva.example/%E5%B0%81%E9%9D%A2.png",
    ]);
  });
});

describe("cleanArticle: sanitizing", () => {
  const vectors: Array<[string, string]> = [
    ["script elements", "<p>a</p><script>alert(1)</script>"],
    ["style elements", "<style>body{display:none}</style><p>a</p>"],
    ["event handlers", '<p onclick="alert(1)">a</p><img src="/x.png" onerror="alert(1)">'],
    ["javascript: links", '<p><a href="javascript:alert(1)">a</a></p>'],
    [
      "obfuscated javascript: links",
      '<p><a href="jav&#x09;ascript:alert(1)">a</a><a href=" JaVaScRiPt:alert(1)">b</a></p>',
    ],
    ["vbscript: links", '<p><a href="vbscript:msgbox(1)">a</a></p>'],
    ["data: links", '<p><a href="data:text/html,<script>alert(1)</script>">a</a></p>'],
    [
      "iframes, objects, embeds",
      '<p>a</p><iframe src="https://evil.example"></iframe><object data="x.swf"></object><embed src="x.swf">',
    ],
    [
      "forms",
      '<form action="https://evil.example"><input name="q"><button>go</button></form><p>a</p>',
    ],
    [
      "svg tricks",
      '<p>a</p><svg onload="alert(1)"><script>alert(1)</script><a xlink:href="javascript:alert(1)">x</a></svg>',
    ],
    ["math tricks", "<p>a</p><math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"],
    [
      "meta refresh and base",
      '<meta http-equiv="refresh" content="0;url=https://evil.example"><base href="https://evil.example/"><p>a</p>',
    ],
    [
      "comments hiding markup",
      "<p>a<!-- <script>alert(1)</script> --></p><!--[if IE]><script>alert(1)</script><![endif]-->",
    ],
  ];
  for (const [what, html] of vectors) {
    it(`removes ${what}`, () => {
      const out = clean(html).html;
      expect(out).not.toMatch(
        /<script|<style|<iframe|<object|<embed|<form|<svg|<math|<meta|<base|<!--/i,
      );
      expect(out).not.toMatch(/\son\w+=/i);
      expect(out).not.toMatch(/(javascript|vbscript|data):/i);
      expect(out).toContain("a");
    });
  }

  it("strips inline styles, classes and ids but keeps tables, quotes and lists", () => {
    const out = clean(
      '<p style="color:red" class="lead" id="p1">a</p><table class="t"><tr><th colspan="2">h</th></tr><tr><td>1</td><td>2</td></tr></table>' +
        '<blockquote cite="/src">q</blockquote><ol start="3"><li>i</li></ol>',
    ).html;
    expect(out).toBe(
      '<p>a</p><table><tr><th colspan="2">h</th></tr><tr><td>1</td><td>2</td></tr></table>' +
        '<blockquote cite="https://news.example/src">q</blockquote><ol start="3"><li>i</li></ol>',
    );
  });

  it("removes empty paragraphs, empty inline wrappers and tracking pixels", () => {
    const a = clean(
      '<p></p><p> <strong></strong> </p><p>kept</p><small></small><img src="/t.gif" width="1" height="1"><img src="https://x.example/pixel.gif?u=1">',
    );
    expect(a.html).toBe("<p>kept</p>");
    expect(a.images).toEqual([]);
  });

  it("removes lightbox and zoom clutter around figures, keeping image and caption", () => {
    const a = clean(
      '<figure><img src="/a.jpg"><figcaption>Cap</figcaption><a data-fancybox href="/a.jpg"><img src="/icons/icon-zoom.png"></a></figure><p>t</p>',
    );
    expect(a.html).toBe(
      '<figure><img src="https://news.example/a.jpg" referrerpolicy="no-referrer" loading="lazy" /><figcaption>Cap</figcaption></figure><p>t</p>',
    );
    expect(a.images).toEqual([
      { url: "https://news.example/a.jpg", type: "image/jpeg", caption: "Cap" },
    ]);
  });

  it("never emits characters XML forbids, nor U+FFFD from a NUL reference, and keeps ]]> as text", () => {
    const a = clean("<p>a&#1;b&#x0;c&#xFFFF;d\u0007e]]>f</p>");
    expect(a.html).toBe("<p>abcde]]&gt;f</p>");
    expect(a.html).not.toContain("\uFFFD");
  });

  it("flattens nesting deeper than the limit instead of failing", () => {
    const deep = `${"<div>".repeat(5000)}deep text${"</div>".repeat(5000)}`;
    const a = clean(`<p>lead</p>${deep}`);
    expect(a.html).toContain("deep text");
    expect(a.html.split("<div>").length - 1).toBeLessThanOrEqual(200);
  });
});

describe("summary", () => {
  it("skips captions, link lists and subheadings, and takes the first real paragraphs", () => {
    const a = clean(
      '<figure><img src="/a.jpg"><figcaption>Caption</figcaption></figure><ul><li><a href="/r">Related</a></li></ul>' +
        "<p><strong>Subhead</strong></p><p>The story begins here.</p>",
    );
    expect(a.summary).toBe("The story begins here.");
  });

  it("cuts on grapheme boundaries: never half an emoji, a flag or a combining sequence", () => {
    const family = "👨‍👩‍👧‍👦";
    const text = `${family.repeat(5)}🇨🇳e\u0301${"中".repeat(10)}`;
    for (let limit = 1; limit < 17; limit++) {
      const cut = truncateText(text, limit);
      expect(cut.endsWith("…")).toBe(true);
      expect(text.startsWith(cut.slice(0, -1))).toBe(true);
      expect(Array.from(new Intl.Segmenter().segment(cut.slice(0, -1))).length).toBeLessThanOrEqual(
        limit,
      );
      expect(cut).not.toMatch(/[\uD800-\uDBFF]…$/);
    }
    expect(truncateText("short", 200)).toBe("short");
  });

  it("cuts Korean syllables followed by jamo, Thai AM and voiced kana as whole clusters", () => {
    for (const cluster of ["\uAC00\u11A8", "\u0E01\u0E33", "\u1100\u1161", "a\uFF9E"]) {
      const cut = truncateText(cluster.repeat(20), 5);
      expect(cut).toBe(`${cluster.repeat(5)}…`);
    }
  });

  it("knows every BMP character that can join a neighbour's cluster (the segmenter-free fast path)", () => {
    // Whatever MAY_JOIN_CLUSTERS admits as simple must break from "a", from itself and from jamo.
    const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
    const clusters = (text: string) => Array.from(segmenter.segment(text)).length;
    const wrong: string[] = [];
    for (let code = 0; code < 0x10000; code++) {
      const c = String.fromCharCode(code);
      if (MAY_JOIN_CLUSTERS.test(c)) continue;
      if (
        clusters(`a${c}a`) !== 3 ||
        clusters(c + c) !== 2 ||
        clusters(`${c}\u1161`) !== 2 ||
        clusters(`${c}\u11A8`) !== 2
      )
        wrong.push(code.toString(16));
    }
    expect(wrong).toEqual([]);
  });

  it("keeps whole clusters even when each stacks dozens of combining marks", () => {
    const zalgo = `e${"\u0301".repeat(40)}`.repeat(300);
    const cut = truncateText(zalgo, 10);
    expect(cut).toBe(`${zalgo.slice(0, 41 * 10)}…`);
    expect(truncateText("x".repeat(7_000_000), 5)).toBe("xxxxx…");
  });

  it("ends on a whole word in space-separated text", () => {
    expect(truncateText("The quick brown fox jumps over the lazy dog", 22)).toBe(
      "The quick brown fox…",
    );
  });
});

describe("site profiles", () => {
  it("reads RFA credits: reporter without the city, editors as contributors", () => {
    expect(readRfaCredits("自由亚洲电台记者吕熙伦敦报道 责编：嘉远 网编：郭度")).toEqual({
      authors: [{ name: "吕熙" }],
      contributors: [
        { name: "嘉远", role: "责编" },
        { name: "郭度", role: "网编" },
      ],
    });
    expect(readRfaCredits("自由亚洲电台特约记者王明 华盛顿报道").authors).toEqual([
      { name: "王明" },
    ]);
    expect(readRfaCredits("自由亞洲電台記者陳美華採訪報道 責編：何平").authors).toEqual([
      { name: "陳美華" },
    ]);
    expect(readRfaCredits("自由亚洲电台记者李文、张三台北报道").authors).toEqual([
      { name: "李文" },
      { name: "张三" },
    ]);
    expect(readRfaCredits("Reported by Jane Doe for RFA Mandarin.").authors).toEqual([
      { name: "Jane Doe" },
    ]);
  });

  it("reads RFA sections as categories and the service as the language", () => {
    const a = clean(
      "<p>正文</p><p>粤语记者黄伟文香港报道</p>",
      "https://www.rfa.org/cantonese/news/htm/x.html",
    );
    expect(a.language).toBe("zh-Hant-HK");
    expect(a.categories.map((c) => c.term)).toEqual(["news", "htm"]);
  });

  it("reads bylines, tags and lang on pages of unknown sites", () => {
    const a = clean(
      '<article lang="de"><p class="byline">Von Anna Schmidt</p><p>Der Text.</p><a rel="tag" href="/t/politik">Politik</a></article>',
      "https://zeitung.example/a.html",
    );
    expect(a.authors).toEqual([{ name: "Anna Schmidt" }]);
    expect(a.categories).toEqual([{ term: "politik", label: "Politik" }]);
    expect(a.language).toBe("de");
  });

  it("matches bylines and tags as their CSS selectors do, in the article as cleaned", () => {
    const a = clean(
      [
        '<p><span lang="fr"></span>Texte.</p>',
        '<p rel="Author">Ann\u0001 Lee</p><p class="note author">Bo Chen</p>',
        '<p itemprop="Author">Not a byline (itemprop is exact)</p><p class="Byline">Nor this</p>',
        '<a rel="nofollow TAG" href="/t/a">Alpha</a> <span rel="tag">Not a link</span>',
        '<section lang="de"><p>Der Text.</p></section>',
      ].join(""),
      "https://zeitung.example/a.html",
    );
    expect(a.authors).toEqual([{ name: "Ann Lee" }, { name: "Bo Chen" }]);
    expect(a.categories).toEqual([{ term: "alpha", label: "Alpha" }]);
    // The empty span was removed by the cleaning, its lang with it.
    expect(a.language).toBe("de");
  });

  it("reads RFA credits from the article's last four paragraphs, asides included", () => {
    const url = "https://www.rfa.org/mandarin/yataibaodao/x.html";
    const closing = "<p>一</p><p>二</p><p>三</p>";
    const credits = "<p>记者吕熙伦敦报道 责编：嘉远</p>";
    expect(clean(`<p>正文</p>${credits}${closing}`, url).authors).toEqual([{ name: "吕熙" }]);
    expect(clean(`<p>正文</p>${credits}${closing}<p>四</p>`, url).authors).toEqual([]);
    expect(
      clean(`<p>正文</p><blockquote>${credits}</blockquote>${closing}`, url).contributors,
    ).toEqual([{ name: "嘉远", role: "责编" }]);
  });
});

describe("helpers", () => {
  it("queryAll finds elements in document order, with their text", () => {
    const $ = load(
      '<div class="a"><p>one</p><aside class="a"><p>two <b>2</b></p></aside></div><p class="a">three</p>',
      ARTICLE_PARSE_OPTIONS,
      false,
    );
    expect(queryAll($, ".a").map((el) => el.name)).toEqual(["div", "aside", "p"]);
    expect(queryAll($, "p").map(textOf)).toEqual(["one", "two 2", "three"]);
  });

  it("types images from a table, never image/jpg", () => {
    expect(imageTypeOf("https://x.example/a.JPG")).toBe("image/jpeg");
    expect(imageTypeOf("https://x.example/a.jpg/@@images/b.webp")).toBe("image/webp");
    expect(imageTypeOf("https://x.example/image?id=3")).toBeUndefined();
    expect(imageTypeOf("https://x.example/a.x")).toBeUndefined();
  });

  it("canonicalizes article URLs: no fragment, no tracking parameters, no default port", () => {
    expect(canonicalArticleUrl("https://Example.com:443/a?utm_source=x&id=3#top")).toBe(
      "https://example.com/a?id=3",
    );
    expect(canonicalArticleUrl("https://example.com/a?utm_medium=rss")).toBe(
      "https://example.com/a",
    );
  });

  it("reads URLs as browsers do: tabs and newlines dropped, so a split javascript: is still refused", () => {
    expect(resolveUrl("jav\tascript:alert(1)", "https://x.example/")).toBeUndefined();
    expect(resolveUrl("java\nscript:alert(1)", "https://x.example/")).toBeUndefined();
    expect(resolveUrl("/a b.jpg", "https://x.example/")).toBe("https://x.example/a%20b.jpg");
  });

  it("resolves srcset candidates, dropping those that do not resolve", () => {
    expect(resolveSrcset("a.jpg 1x,b.jpg 2x", "https://x.example/p/")).toBe(
      "https://x.example/p/a.jpg 1x, https://x.example/p/b.jpg 2x",
    );
    expect(resolveSrcset("javascript:x 1x", "https://x.example/")).toBeUndefined();
  });
});
