/**
 * @module cli/corpus — a deterministic corpus of seed-shaped documents for benchmarks: paragraphs,
 * 0–4 figures with captions, related links, credits; Chinese, English and other scripts; 5–40 KB.
 */
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same corpus on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCRIPTS = {
  zh: "中俄两国领导人周三举行视频会晤在国际外交抵制声浪中俄罗斯总统普京承诺将出席北京冬奥开幕式中国国家主席习近平则支持普京要求美国和北约作出安全保障双方在会晤中各取所需而过去一年合作频繁在西方的围堵下未来会否发展成长期盟友关系",
  en: "the minister said on wednesday that talks with regional partners would continue despite growing pressure from abroad and that the government expected an agreement before the end of the year according to officials familiar with the matter",
  ru: "министр заявил в среду что переговоры с региональными партнерами продолжатся несмотря на растущее давление из за рубежа",
  ar: "قال الوزير يوم الأربعاء إن المحادثات مع الشركاء الإقليميين ستستمر رغم الضغوط المتزايدة من الخارج",
  ko: "장관은 수요일 지역 파트너들과의 회담이 해외로부터의 압력에도 불구하고 계속될 것이라고 말했다",
} as const;
type Script = keyof typeof SCRIPTS;
const SCRIPT_WEIGHTS: Array<[Script, number]> = [
  ["zh", 0.5],
  ["en", 0.3],
  ["ru", 0.08],
  ["ar", 0.06],
  ["ko", 0.06],
];
const SECTIONS = [
  "yataibaodao/junshiwaijiao",
  "xinwen",
  "zhengzhi/renquanfazhi",
  "jingmao",
  "gangtai",
];

function sentence(rand: () => number, script: Script, length: number): string {
  const source = SCRIPTS[script];
  if (script === "zh") {
    let out = "";
    while (out.length < length) {
      const start = Math.floor(rand() * (source.length - 12));
      out += `${source.slice(start, start + 6 + Math.floor(rand() * 12))}${rand() < 0.3 ? "，" : ""}`;
    }
    return `${out}。`;
  }
  const words = source.split(" ");
  const out: string[] = [];
  let size = 0;
  while (size < length) {
    const word = words[Math.floor(rand() * words.length)] as string;
    out.push(word);
    size += word.length + 1;
  }
  const text = out.join(" ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/**
 * The text of corpus document `index` (deterministic in seed and index).
 * @example generateDocument(7, 1).startsWith("<!--") // true
 */
export function generateDocument(index: number, seed = 1): string {
  const rand = random(seed * 1_000_003 + index);
  const pick = () => {
    let r = rand();
    for (const [script, weight] of SCRIPT_WEIGHTS) {
      r -= weight;
      if (r <= 0) return script;
    }
    return "en" as Script;
  };
  const script = pick();
  const section = SECTIONS[index % SECTIONS.length] as string;
  const url = `https://www.rfa.org/mandarin/${section}/article-${seed}-${index}.html`;
  const time = Date.UTC(2015, 0, 1) + index * 3_600_000 + Math.floor(rand() * 3_000_000);
  const targetBytes = 5_000 + Math.floor(rand() * 35_000);
  const parts: string[] = [];
  const related = Array.from({ length: 2 + Math.floor(rand() * 3) }, (_, i) => {
    return `<li><strong><a href="/mandarin/xinwen/related-${index}-${i}.html">${sentence(rand, script, 20)}</a></strong></li>`;
  });
  parts.push(`<p>${sentence(rand, script, 120)}</p><p></p><ul>${related.join("")}</ul><p></p>`);
  const figures = Math.floor(rand() * 5);
  let bytes = 0;
  let figure = 0;
  while (bytes < targetBytes) {
    const p = `<p>${sentence(rand, script, 80 + Math.floor(rand() * 300))}</p>`;
    parts.push(p);
    bytes += new TextEncoder().encode(p).length;
    if (rand() < 0.1) parts.push(`<p><strong>${sentence(rand, script, 16)}</strong></p>`);
    if (figure < figures && rand() < 0.15) {
      const caption = sentence(rand, script, 40);
      const image = `${url}/photo-${figure}.jpg/@@images/${index.toString(16)}-${figure}.jpeg`;
      parts.push(
        `<p><strong><figure class="image-richtext image-inline captioned" style="width:1200px;"><img alt="${caption}" height="800" src="${image}" width="1200"/>` +
          `<figcaption class="image-caption">${caption}</figcaption><small></small><div id="zoomattribute"><a data-fancybox="" href="${image}" id="single_image">` +
          `<img src="/++plone++rfa-resources/img/icon-zoom.png"/></a></div></figure></strong></p>`,
      );
      figure++;
    }
  }
  parts.push(`<p>自由亚洲电台记者王明华盛顿报道 责编：嘉远 网编：郭度</p>`);
  const title = sentence(rand, script, 30).replace(/[.。]$/, "");
  return `<!--${time}-->\n[${title}](${url})\n------\n\n${parts.join("")}\n`;
}

/**
 * A correction of corpus document `index`: the same article (URL and title) an hour later, with a
 * line of correction before its first paragraph; what a newsroom republishes after an edit.
 * @example generateCorrection(7).split("\n")[1] === generateDocument(7).split("\n")[1] // true
 */
export function generateCorrection(index: number, seed = 1): string {
  return generateDocument(index, seed)
    .replace(/^<!--(\d+)-->/, (_, ms: string) => `<!--${Number(ms) + 3_600_000}-->`)
    .replace("<p>", "<p><em>Corrected an hour after publication.</em> ");
}

/**
 * Writes documents 0…count-1 into `dir/NNN/index.txt` (100 per folder), skipping a corpus already there.
 * @example await writeCorpus("node_modules/.cache/edgefeed/corpus-1000", 1000)
 */
export async function writeCorpus(dir: string, count: number, seed = 1): Promise<void> {
  try {
    const marker = await readdir(dir);
    if (marker.includes(`complete-${count}`)) return;
  } catch {
    // Not there yet.
  }
  for (let i = 0; i < count; i++) {
    const folder = path.join(dir, String(Math.floor(i / 100)).padStart(4, "0"));
    if (i % 100 === 0) await mkdir(folder, { recursive: true });
    await writeFile(
      path.join(folder, `${String(i).padStart(7, "0")}.txt`),
      generateDocument(i, seed),
    );
  }
  await writeFile(path.join(dir, `complete-${count}`), "");
}
