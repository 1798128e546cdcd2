// A PhantomFlow sandbox for bench/inspector.ts: `inspector-server.ts PORT BODY_BYTES` (0 = no
// capture). Started with an IPC channel, it answers any message with its CPU time so far, so the
// benchmark can charge CPU per request (steadier than throughput on a shared machine).
import { createSandbox } from '../src/sandbox.ts';

const port = Number(process.argv[2] ?? 4032);
const bodyBytes = Number(process.argv[3] ?? 16384);
const sandbox = createSandbox({ only: ['phantomflow'], requestLogBodyBytes: bodyBytes });
await sandbox.listen(port, '127.0.0.1');
process.on('message', () => process.send?.(process.cpuUsage()));
process.once('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
