// JSON: one document at the end (summary, results per check × operation, failures with curl);
// NDJSON: every event as it happens, one per line (the raw stream, replayable into any reporter).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { groupResults, type ContractEvent, type Listener } from '../events.ts';

export function jsonDocument(events: ContractEvent[]): unknown {
  const start = events.find((e) => e.type === 'run-started');
  const end = events.find((e) => e.type === 'run-finished');
  return {
    run: start,
    summary: end?.type === 'run-finished' ? end.summary : undefined,
    notices: events.filter((e) => e.type === 'notice'),
    results: groupResults(events).map((g) => ({
      check: g.check,
      operationId: g.operationId,
      status: g.status,
      counts: { passed: g.events.filter((e) => e.status === 'passed').length, failed: g.events.filter((e) => e.status === 'failed').length },
      failures: g.events.filter((e) => e.status === 'failed' || e.status === 'unconfirmed').slice(0, 10),
      skipped: g.status === 'skipped' ? g.events[0]?.reason : undefined,
    })),
  };
}

export function jsonReporter(file: string): Listener {
  const events: ContractEvent[] = [];
  return (e) => {
    events.push(e);
    if (e.type !== 'run-finished') return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(jsonDocument(events), null, 2)}\n`);
  };
}

export function ndjsonReporter(file: string): Listener {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, '');
  return (e) => appendFileSync(file, `${JSON.stringify(e)}\n`);
}
