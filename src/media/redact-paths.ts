// Messages a client reads (a failed job's error) must not show where the sandbox is installed or
// keeps its files: each known absolute path is replaced by a neutral name, longest first, and any
// absolute path left inside the install or temp directories by a generic one.
import { tmpdir } from 'node:os';
import { sep } from 'node:path';
import { ROOT } from '../paths.ts';

/**
 * Replace `known` paths (path → what to call it) in `text`, then whatever absolute path still
 * lies under the install directory or the OS temp directory.
 */
export function redactPaths(text: string, known: [string, string][] = []): string {
  let out = text;
  for (const [path, name] of [...known].filter(([p]) => p.length > 1).sort((a, b) => b[0].length - a[0].length)) out = out.replaceAll(path, name);
  for (const [dir, name] of [[ROOT, '<sandbox>'], [tmpdir(), '<tmp>']] as const) {
    const escaped = dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // Only where a path starts (not inside a URL such as http://host/tmp/x.png).
    out = out.replace(new RegExp(`(?<![^\\s'"(=])${escaped}(?=[${sep === '/' ? '/' : '\\\\'}\\s'":,)]|$)(?:${sep === '/' ? '/' : '\\\\'}[^\\s'":,)]*)?`, 'g'), name);
  }
  return out;
}
