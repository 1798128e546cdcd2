// JUnit XML: one testcase per check × operation (classname = operation), read by GitHub, GitLab
// and Jenkins. A failing testcase carries the first failures with expected, got and curl.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { groupResults, type ContractEvent, type Listener } from '../events.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

export function junitXml(events: ContractEvent[]): string {
  const start = events.find((e) => e.type === 'run-started');
  const end = events.find((e) => e.type === 'run-finished');
  const api = start?.type === 'run-started' ? start.api : 'api';
  const groups = groupResults(events);
  const byOp = new Map<string, typeof groups>();
  for (const g of groups) byOp.set(g.operationId, [...(byOp.get(g.operationId) ?? []), g]);
  const secs = end?.type === 'run-finished' ? (end.summary.durationMs / 1000).toFixed(3) : '0';
  const lines = [`<?xml version="1.0" encoding="UTF-8"?>`];
  const count = (st: string) => groups.filter((g) => g.status === st).length;
  lines.push(`<testsuites name="contract ${esc(api)}" tests="${groups.length}" failures="${count('failed')}" skipped="${count('skipped') + count('unconfirmed')}" time="${secs}">`);
  for (const [op, list] of byOp) {
    const f = list.filter((g) => g.status === 'failed').length;
    const sk = list.filter((g) => g.status === 'skipped' || g.status === 'unconfirmed').length;
    lines.push(`  <testsuite name="${esc(`${api}.${op}`)}" tests="${list.length}" failures="${f}" skipped="${sk}">`);
    for (const g of list) {
      lines.push(`    <testcase classname="${esc(`${api}.${op}`)}" name="${esc(g.check)}">`);
      if (g.status === 'failed') {
        const bad = g.events.filter((e) => e.status === 'failed');
        const first = bad[0]!;
        const body = bad.slice(0, 5).map((e) => `case: ${e.case ?? ''}\nexpected: ${e.expected}\ngot: ${e.got}\nreproduce: ${e.curl ?? ''}`).join('\n\n');
        lines.push(`      <failure message="${esc(`expected ${first.expected}; got ${first.got}`.slice(0, 500))}" type="${esc(g.check)}">${esc(body)}</failure>`);
      } else if (g.status === 'skipped' || g.status === 'unconfirmed') {
        const e = g.events[0]!;
        lines.push(`      <skipped message="${esc(g.status === 'unconfirmed' ? `not confirmed (inferred in the spec): expected ${e.expected}; got ${e.got}` : (e.reason ?? 'skipped'))}"/>`);
      }
      lines.push(`    </testcase>`);
    }
    lines.push(`  </testsuite>`);
  }
  lines.push(`</testsuites>`, '');
  return lines.join('\n');
}

/** Writes the XML when the run finishes. */
export function junitReporter(file: string): Listener {
  const events: ContractEvent[] = [];
  return (e) => {
    events.push(e);
    if (e.type !== 'run-finished') return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, junitXml(events));
  };
}
