// A filter graph written to a file for FFmpeg's -filter_complex_script: long graphs (dozens of
// scenes, hundreds of filters) stay out of argv and its length limit, and out of `ps` output.
// The file holds the graph exactly as -filter_complex would take it (same escaping).
import { writeFile } from 'node:fs/promises';

export async function filterScriptArgs(path: string, graph: string): Promise<string[]> {
  await writeFile(path, graph, 'utf8');
  return ['-filter_complex_script', path];
}
