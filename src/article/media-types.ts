/**
 * @module article/media-types — the MIME type of an image from its URL, by a fixed table (never guessed
 * from a raw extension, so never `image/jpg`).
 */

const IMAGE_TYPES: Readonly<Record<string, string>> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  jpe: "image/jpeg",
  jfif: "image/jpeg",
  pjpeg: "image/jpeg",
  png: "image/png",
  apng: "image/apng",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  svg: "image/svg+xml",
  bmp: "image/bmp",
  ico: "image/vnd.microsoft.icon",
  tif: "image/tiff",
  tiff: "image/tiff",
  heic: "image/heic",
  heif: "image/heif",
  jxl: "image/jxl",
};

/**
 * The image type the URL's last path segment names, or undefined when it names none we know.
 * @example imageTypeOf("https://x.org/a.jpg/@@images/f1ec.jpeg") // "image/jpeg"
 */
export function imageTypeOf(url: string): string | undefined {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const segment = pathname.slice(pathname.lastIndexOf("/") + 1);
  const dot = segment.lastIndexOf(".");
  if (dot < 0) return undefined;
  return IMAGE_TYPES[segment.slice(dot + 1).toLowerCase()];
}
