/**
 * @module worker/conditional — conditional GET and HEAD (RFC 9110 §13): If-None-Match with weak
 * comparison, lists and `*`, and If-Modified-Since when there is no If-None-Match.
 */

const ENTITY_TAG = /(?:W\/)?"([^"]*)"/g;

/**
 * The opaque tags an If-None-Match lists (W/ dropped: the weak comparison ignores it), or "*".
 * @example parseEntityTags('W/"a", "b"') // ["a", "b"]
 */
export function parseEntityTags(field: string): "*" | string[] {
  if (field.trim() === "*") return "*";
  return Array.from(field.matchAll(ENTITY_TAG), (match) => match[1] ?? "");
}

/** Our strong tag without its quotes. */
function opaque(etag: string): string {
  return etag.replace(/^W\//, "").slice(1, -1);
}

/**
 * What a document offers to validate against: the tags of every stored form of it
 * (they all stand for the same content); `lastModifiedMs` its content's last change.
 */
export interface Validators {
  readonly etags: readonly string[];
  readonly lastModifiedMs: number;
}

/**
 * Whether the client's copy is current, and so the answer is 304; the tag returned is the one the 304
 * carries: the client's own when it names one of ours (a cache updates the response it names).
 * @returns the ETag for the 304, or undefined for a full answer.
 * @example notModifiedTag({ ifNoneMatch: 'W/"x"' }, { etags: ['"x"'], lastModifiedMs: 0 }, '"x"') // '"x"'
 */
export function notModifiedTag(
  request: {
    readonly ifNoneMatch?: string | undefined;
    readonly ifModifiedSince?: string | undefined;
  },
  validators: Validators,
  selectedEtag: string,
): string | undefined {
  if (request.ifNoneMatch !== undefined) {
    // When If-None-Match is present, If-Modified-Since is ignored (§13.1.3).
    const tags = parseEntityTags(request.ifNoneMatch);
    if (tags === "*") return selectedEtag;
    for (const tag of tags) {
      const ours = validators.etags.find((etag) => opaque(etag) === tag);
      if (ours !== undefined) return ours;
    }
    return undefined;
  }
  if (request.ifModifiedSince !== undefined) {
    const since = Date.parse(request.ifModifiedSince);
    // An invalid date is ignored (§13.1.3); HTTP-dates have whole seconds, so compare in seconds.
    if (Number.isNaN(since)) return undefined;
    if (Math.floor(validators.lastModifiedMs / 1000) <= Math.floor(since / 1000))
      return selectedEtag;
  }
  return undefined;
}
