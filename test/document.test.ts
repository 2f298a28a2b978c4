import { describe, expect, it } from "vitest";
import { DEFAULT_DOCUMENT_LIMITS, parseDocument } from "../src/document.js";
import { DocumentError } from "../src/errors.js";
import { convertDocument } from "../src/pipeline.js";
import { PLAIN_MARKUP_TEXT, PLAINLY_SAFE, toXmlSafe } from "../src/text.js";

const FILE = "seeds/a.txt";
const GOOD_URL = "https://news.example/2021/12/article.html";

function doc(lines: { ts?: string; title?: string; sep?: string; body?: string } = {}): string {
  return [
    lines.ts ?? "<!--1639594666000-->",
    lines.title ?? `[A title](${GOOD_URL})`,
    lines.sep ?? "------",
    lines.body ?? "<p>Body text.</p>",
  ].join("\n");
}

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** The DocumentError a document raises (fails the test when it parses). */
function rejection(input: string | Uint8Array): DocumentError {
  try {
    parseDocument(typeof input === "string" ? bytes(input) : input, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentError);
    return error as DocumentError;
  }
  throw new Error("expected the document to be rejected, but it parsed");
}

describe("parseDocument", () => {
  it("reads timestamp, title, URL and body of a good document", () => {
    const d = parseDocument(bytes(doc()), FILE);
    expect(d).toEqual({
      file: FILE,
      publishedMs: 1639594666000,
      title: "A title",
      url: GOOD_URL,
      body: "<p>Body text.</p>",
    });
  });

  it("accepts CRLF line endings and a UTF-8 byte order mark", () => {
    const text = `\uFEFF${doc({ body: "<p>one</p>\n<p>two</p>" }).replaceAll("\n", "\r\n")}`;
    const d = parseDocument(bytes(text), FILE);
    expect(d.publishedMs).toBe(1639594666000);
    expect(d.title).toBe("A title");
    expect(d.body).toBe("<p>one</p>\n<p>two</p>");
  });

  it("accepts old Mac CR-only line endings", () => {
    const d = parseDocument(bytes(doc().replaceAll("\n", "\r")), FILE);
    expect(d.url).toBe(GOOD_URL);
    expect(d.body).toBe("<p>Body text.</p>");
  });

  it("keeps brackets and '](' in titles, and parentheses in URLs", () => {
    const d = parseDocument(
      bytes(
        doc({
          title: "[[Update] Talks (part 2)](see) resume](https://en.example.org/wiki/Talks_(2021))",
        }),
      ),
      FILE,
    );
    expect(d.title).toBe("[Update] Talks (part 2)](see) resume");
    expect(d.url).toBe("https://en.example.org/wiki/Talks_(2021)");
  });

  it("collapses white space in titles and decodes their entities", () => {
    const d = parseDocument(
      bytes(doc({ title: `[  AT&amp;T   beats\testimates  ](${GOOD_URL})` })),
      FILE,
    );
    expect(d.title).toBe("AT&T beats estimates");
  });

  it("drops characters XML forbids from the title and NFC-normalizes it; the body stays as written", () => {
    const input = bytes(
      doc({
        title: `[Cafe\u0301\u0001 news](${GOOD_URL})`,
        body: "<p>a\u0000b\u000Bc\uFFFE e\u0301</p>",
      }),
    );
    const d = parseDocument(input, FILE);
    expect(d.title).toBe("Café news");
    // The markup is never normalized (NFC could join a mark to a tag's `>`); the article written
    // from it is, node by node.
    expect(d.body).toBe("<p>a\u0000b\u000Bc\uFFFE e\u0301</p>");
    expect(convertDocument(input, FILE).contentHtml).toBe("<p>abc é</p>");
  });

  it("decodes a charset the document declares when its bytes are not UTF-8", () => {
    const header = bytes(`${doc({ body: "" })}<meta charset="gbk"><p>`);
    // "中文" in GBK
    const gbk = new Uint8Array([0xd6, 0xd0, 0xce, 0xc4]);
    const input = new Uint8Array([...header, ...gbk, ...bytes("</p>")]);
    expect(parseDocument(input, FILE).body).toBe('<meta charset="gbk"><p>中文</p>');
  });

  describe("rejects, naming file and line", () => {
    const cases: Array<[string, string | Uint8Array, number, RegExp]> = [
      ["an empty file", "", 1, /the file is empty/],
      [
        "a missing timestamp",
        doc({ ts: "" }),
        1,
        /expected an epoch-ms timestamp like <!--1639594666000-->, got an empty line/,
      ],
      [
        "a timestamp without the comment",
        doc({ ts: "1639594666000" }),
        1,
        /expected an epoch-ms timestamp .* got "1639594666000"/,
      ],
      [
        "a non-numeric timestamp",
        doc({ ts: "<!--17a8-->" }),
        1,
        /expected an epoch-ms timestamp like <!--1639594666000-->, got "<!--17a8-->"/,
      ],
      [
        "a timestamp in seconds",
        doc({ ts: "<!--1639594666-->" }),
        1,
        /looks like seconds \(2021-12-15\); write milliseconds: <!--1639594666000-->/,
      ],
      ["a negative timestamp", doc({ ts: "<!---5-->" }), 1, /negative/],
      ["a timestamp beyond 64 bits", doc({ ts: "<!--99999999999999999999999-->" }), 1, /too large/],
      [
        "a timestamp in the far future",
        doc({ ts: "<!--9999999999999-->" }),
        1,
        /2286-11-20\) is outside 1990-01-01 to 2100-01-01/,
      ],
      ["a timestamp before 1990", doc({ ts: "<!--100000000000-->" }), 1, /is outside 1990-01-01/],
      [
        "a missing title line",
        doc({ title: "" }),
        2,
        /expected a title line like \[Title\]\(https:\/\/example.com\/article\), got an empty line/,
      ],
      [
        "a title line that is not a link",
        doc({ title: "Just a title" }),
        2,
        /expected a title line .* got "Just a title"/,
      ],
      ["an empty title", doc({ title: `[   ](${GOOD_URL})` }), 2, /the title is empty/],
      [
        "a relative URL",
        doc({ title: "[T](/news/a.html)" }),
        2,
        /expected an absolute http\(s\) URL in the title line, got "\/news\/a.html"/,
      ],
      [
        "a javascript: URL",
        doc({ title: "[T](javascript:alert(1))" }),
        2,
        /expected an absolute http\(s\) URL/,
      ],
      [
        "a data: URL",
        doc({ title: "[T](data:text/html,hi)" }),
        2,
        /expected an absolute http\(s\) URL/,
      ],
      [
        "a missing separator",
        doc({ sep: "<p>no separator</p>" }),
        3,
        /expected the separator line "------" after the title, got "<p>no separator<\/p>"/,
      ],
      [
        "a file that ends after the title",
        `<!--1639594666000-->\n[T](${GOOD_URL})`,
        3,
        /got the end of the file/,
      ],
      ["an empty body", doc({ body: "" }), 4, /the article body is empty/],
      ["a white-space-only body", doc({ body: "  \n\t\n " }), 4, /the article body is empty/],
      [
        "a body of control characters alone",
        doc({ body: "\u0001 \u0008\n\uFFFE" }),
        4,
        /the article body is empty/,
      ],
      [
        "a title over the length limit",
        doc({ title: `[${"x".repeat(1001)}](${GOOD_URL})` }),
        2,
        /1001 characters long; at most 1000/,
      ],
    ];
    for (const [what, input, line, reason] of cases) {
      it(`rejects ${what} at line ${line}`, () => {
        const error = rejection(input);
        expect(error.file).toBe(FILE);
        expect(error.line).toBe(line);
        expect(error.message).toMatch(new RegExp(`^seeds/a\\.txt:${line}: `));
        expect(error.reason).toMatch(reason);
      });
    }

    it("rejects bytes that are not UTF-8, at the line of the first bad byte, when no charset is declared", () => {
      const input = new Uint8Array([
        ...bytes(doc({ body: "<p>fine</p>\n<p>" })),
        0xff,
        0xfe,
        ...bytes("</p>"),
      ]);
      const error = rejection(input);
      expect(error.line).toBe(5);
      expect(error.reason).toMatch(
        /byte 0xff is not valid UTF-8 and the document declares no charset; re-save it as UTF-8/,
      );
    });

    it("rejects bytes that are not valid in the declared charset either", () => {
      const input = new Uint8Array([
        ...bytes(doc({ body: '<meta charset="utf-8"><p>' })),
        0xc3,
        0x28,
      ]);
      expect(rejection(input).reason).toMatch(/not valid utf-8 either/);
    });

    it("rejects a declared charset the runtime cannot decode", () => {
      const input = new Uint8Array([
        ...bytes(doc({ body: '<meta charset="x-klingon"><p>' })),
        0xff,
      ]);
      expect(rejection(input).reason).toMatch(
        /declared charset "x-klingon" is not one we can decode/,
      );
    });

    it("rejects a body with more tags than the limit, at the line where it is passed", () => {
      const body = `<p>fine</p>\n${"<span>".repeat(30)}\n${"<div>".repeat(30)}\n`;
      try {
        parseDocument(bytes(doc({ body })), FILE, { ...DEFAULT_DOCUMENT_LIMITS, maxTags: 40 });
        throw new Error("parsed");
      } catch (e) {
        expect(e).toBeInstanceOf(DocumentError);
        expect((e as DocumentError).line).toBe(6);
        expect((e as DocumentError).reason).toMatch(/more than 40 tags; split the document/);
      }
    });

    it("counts as tags only `<` or `</` before a letter", () => {
      const notTags = "a < b, 1 <2, <3, <!-- c -->, </ >, <//i>, <\u00e9>, <\u0131> ".repeat(20);
      const limits = { ...DEFAULT_DOCUMENT_LIMITS, maxTags: 40 };
      // Four tags each: <b>, </B>, <i> after a stray `<`, </i>.
      const tags = "<b>x</B><<i>y</i>".repeat(10);
      const accepted = parseDocument(bytes(doc({ body: `${notTags}${tags}` })), FILE, limits);
      expect(accepted.body).toContain("<<i>");
      expect(() => parseDocument(bytes(doc({ body: `${tags}<p>` })), FILE, limits)).toThrow(
        /more than 40 tags/,
      );
    });

    it("rejects a document over the size limit", () => {
      const error = (() => {
        try {
          parseDocument(bytes(doc({ body: "<p>x</p>".repeat(100) })), FILE, {
            ...DEFAULT_DOCUMENT_LIMITS,
            maxBytes: 100,
          });
        } catch (e) {
          return e as DocumentError;
        }
        throw new Error("parsed");
      })();
      expect(error.reason).toMatch(/bytes; at most 100 are accepted/);
    });
  });
});

describe("toXmlSafe", () => {
  it("keeps emoji (paired surrogates), drops lone surrogates and controls, and composes to NFC", () => {
    expect(toXmlSafe("a😀b")).toBe("a😀b");
    expect(toXmlSafe("a\uD83Db\uDE00c😀")).toBe("abc😀");
    expect(toXmlSafe("x\u0001y\u0085z\uFFFEw\tv\n")).toBe("xyzw\tv\n");
    expect(toXmlSafe("e\u0301 😀\uD800")).toBe("é 😀");
  });

  it("takes its shortcut only for characters that NFC leaves alone, next to anything", () => {
    // A text changes under NFC only at a character that NFC replaces, a combining mark (which may
    // compose with or reorder around the one before) or a conjoining jamo; and the shortcut must
    // never pass a character XML forbids.
    const wrong: string[] = [];
    let safe = 0;
    for (let code = 0; code <= 0xffff; code++) {
      const char = String.fromCharCode(code);
      if (!PLAINLY_SAFE.test(char)) continue;
      safe++;
      if (
        char.normalize("NFC") !== char ||
        /\p{M}/u.test(char) ||
        (code >= 0x1100 && code <= 0x11ff) ||
        toXmlSafe(`\u0001${char}`) !== char
      )
        wrong.push(code.toString(16));
    }
    expect(wrong).toEqual([]);
    expect(safe).toBeGreaterThan(30_000);
    // The markup variant is the same set less exactly what markup escapes.
    const unlike: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const char = String.fromCharCode(code);
      if (PLAIN_MARKUP_TEXT.test(char) !== (PLAINLY_SAFE.test(char) && !'"&<>'.includes(char)))
        unlike.push(code.toString(16));
    }
    expect(unlike).toEqual([]);
    // Text needing work still gets it: a decomposed accent after Latin, a dakuten after kana.
    expect(toXmlSafe("Cafe\u0301 か\u3099")).toBe("Café が");
  });
});
