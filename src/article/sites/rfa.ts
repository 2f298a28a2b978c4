/**
 * @module article/sites/rfa — Radio Free Asia (rfa.org): lightbox clutter, credits line, sections, languages.
 */
import type { CheerioAPI } from "cheerio/slim";
import type { Element } from "domhandler";
import { collapseWhitespace, readableText } from "../../text.js";
import type { Category, Person, SiteProfile } from "../model.js";
import { textOf } from "../query.js";

/** RFA's language services, by the first path segment. */
const SERVICE_LANGUAGES: Readonly<Record<string, string>> = {
  mandarin: "zh-Hans",
  cantonese: "zh-Hant-HK",
  english: "en",
  tibetan: "bo",
  uyghur: "ug",
  korean: "ko",
  vietnamese: "vi",
  lao: "lo",
  khmer: "km",
  burmese: "my",
};

/** Section names of the Mandarin service, by URL segment (case-insensitive). */
const SECTION_LABELS: Readonly<Record<string, string>> = {
  yataibaodao: "亚太报道",
  junshiwaijiao: "军事外交",
  xinwen: "要闻",
  zhengzhi: "政治",
  jingmao: "经贸",
  shehui: "社会",
  renquanfazhi: "人权法治",
  gangtai: "港台",
  meiguo: "美国",
  guojishijiao: "国际视角",
  zhuanlan: "专栏",
  pinglun: "评论",
  tebiejiemu: "特别节目",
  kejiwenhua: "科技文化",
  huanjing: "环境",
  minzu: "民族",
};

/** Places RFA reporters file from; a credits line runs name and place together ("记者吕熙伦敦报道"). */
const PLACES = [
  "华盛顿",
  "華盛頓",
  "伦敦",
  "倫敦",
  "香港",
  "台北",
  "臺北",
  "台湾",
  "臺灣",
  "东京",
  "東京",
  "首尔",
  "首爾",
  "曼谷",
  "纽约",
  "紐約",
  "旧金山",
  "舊金山",
  "洛杉矶",
  "洛杉磯",
  "多伦多",
  "多倫多",
  "温哥华",
  "溫哥華",
  "悉尼",
  "雪梨",
  "墨尔本",
  "墨爾本",
  "柏林",
  "巴黎",
  "日内瓦",
  "日內瓦",
  "布鲁塞尔",
  "布魯塞爾",
  "莫斯科",
  "基辅",
  "基輔",
  "北京",
  "上海",
  "广州",
  "廣州",
  "深圳",
  "成都",
  "武汉",
  "武漢",
  "乌鲁木齐",
  "烏魯木齊",
  "拉萨",
  "拉薩",
  "达兰萨拉",
  "達蘭薩拉",
  "新德里",
  "澳门",
  "澳門",
  "高雄",
  "台中",
  "加州",
  "新加坡",
  "吉隆坡",
  "渥太华",
  "渥太華",
  "美国",
  "美國",
];

const REPORTER = /(?:记者|記者)[：:\s]*([^，,。：:]+?)\s*(?:采访|採訪)?(?:报道|報道)/u;
const EDITOR_ROLES = /(责编|責編|网编|網編|编辑|編輯|翻译|翻譯)[：:]\s*([^\s，,。]+)/gu;
/** How many closing paragraphs may hold the credits line. */
const CREDITS_SEARCH_DEPTH = 4;
const CREDITS_HINT = /(?:记者|記者|责编|責編|网编|網編|Reported by)/;
const ENGLISH_REPORTER = /Reported by ([^.;]+?)(?: for RFA[^.;]*)?[.;]/;

function splitNames(text: string): string[] {
  return text
    .split(/[、和及,，]|\band\b/)
    .map((name) => collapseWhitespace(name))
    .filter((name) => name !== "");
}

/** "吕熙伦敦" → "吕熙": drops a trailing place name when a name of two or more characters is left. */
function withoutPlace(name: string): string {
  for (const place of PLACES) {
    if (name.endsWith(place) && name.length - place.length >= 2)
      return name.slice(0, -place.length);
  }
  return name;
}

/**
 * Reads the reporters and editors from an RFA credits line.
 * @example readRfaCredits("自由亚洲电台记者吕熙伦敦报道 责编：嘉远 网编：郭度")
 * // { authors: [{ name: "吕熙" }], contributors: [{ name: "嘉远", role: "责编" }, { name: "郭度", role: "网编" }] }
 */
export function readRfaCredits(line: string): { authors: Person[]; contributors: Person[] } {
  const authors: Person[] = [];
  const reporter = REPORTER.exec(line);
  if (reporter?.[1]) {
    // "吕熙 伦敦" or "吕熙伦敦": the name comes first, the place after it.
    const names = reporter[1].trim().split(/\s+/)[0] ?? "";
    for (const name of splitNames(names)) authors.push({ name: withoutPlace(name) });
  }
  const english = ENGLISH_REPORTER.exec(line);
  if (english?.[1]) for (const name of splitNames(english[1])) authors.push({ name });
  const contributors: Person[] = [];
  for (const match of line.matchAll(EDITOR_ROLES)) {
    const [, role, names] = match;
    if (role && names) for (const name of splitNames(names)) contributors.push({ name, role });
  }
  return { authors, contributors };
}

export const rfaProfile: SiteProfile = {
  name: "rfa.org",
  matches: (url) => url.hostname === "rfa.org" || url.hostname.endsWith(".rfa.org"),

  // No removeClutter: its lightbox blocks under each figure (a zoom link with data-fancybox, an element
  // with an id of zoomattribute…, icon-zoom.png) are what the generic clutter rules already drop.

  readFacts(_$: CheerioAPI, url: URL, elements: readonly Element[]) {
    const segments = url.pathname.split("/").filter((s) => s !== "");
    const service = segments[0]?.toLowerCase() ?? "";
    const language = SERVICE_LANGUAGES[service];
    const scheme = `${url.origin}/${service}/`;
    const categories: Category[] = segments.slice(1, -1).map((segment) => ({
      term: segment.toLowerCase(),
      label: SECTION_LABELS[segment.toLowerCase()] ?? segment,
      scheme,
    }));
    // The credits line is the last paragraph that names a reporter or an editor; it closes the article.
    const closing: Element[] = [];
    for (let i = elements.length - 1; i >= 0 && closing.length < CREDITS_SEARCH_DEPTH; i--)
      if (elements[i]?.name === "p") closing.unshift(elements[i] as Element);
    const credits = closing
      .map((p) => readableText(textOf(p)))
      .filter((text) => CREDITS_HINT.test(text) && text.length < 300)
      .pop();
    const people =
      credits === undefined ? { authors: [], contributors: [] } : readRfaCredits(credits);
    return { ...people, categories, ...(language ? { language } : {}) };
  },
};
