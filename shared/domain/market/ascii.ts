/**
 * `text.charCodeAt(i)` for the book path's hot loops (checksums, decimal text).
 *
 * Why not the method call: once any object in the process has `String.prototype` as its
 * prototype, V8 (Node 20) stops inlining `text.charCodeAt(i)` in optimised code and every
 * call goes through the slow path. ioredis's RESP decoder declares `class VerbatimString
 * extends String` when it loads, so the ingester (which needs ioredis) lost about a third
 * of its book throughput to this. Calling the builtin through a fixed reference keeps it
 * inlined either way (`npm run bench -- ingest`, book_updates_per_s: see docs/ingester.md).
 */
const charCodeAt = String.prototype.charCodeAt;

export function codeAt(text: string, index: number): number {
  return charCodeAt.call(text, index);
}
