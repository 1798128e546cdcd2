/**
 * Escaping for values placed inside an FFmpeg filter graph.
 *
 * A filter graph string is parsed twice: once to split the graph into filters
 * (where `[ ] , ;` and quotes are special), and once per filter to split its
 * `key=value` options (where `:` and quotes are special). A value must survive
 * both, so it is escaped for the option level first, then for the graph level.
 * See https://ffmpeg.org/ffmpeg-filters.html#Notes-on-filtergraph-escaping
 */

/** Escape for the option parser (`key=value:key=value`). */
export function escapeOptionValue(value: string): string {
  return value.replace(/[\\':]/g, (c) => `\\${c}`);
}

/** Escape for the filter-graph parser (`a,b;[x]c[y]`). */
export function escapeGraphLevel(value: string): string {
  return value.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/**
 * A literal value (free text, a file path) ready to be written as `key=<here>`
 * inside a filter of a filter_complex graph. For drawtext also pass
 * `expansion=none` so `%` needs no escaping.
 */
export function filterValue(value: string): string {
  return escapeGraphLevel(escapeOptionValue(value));
}
