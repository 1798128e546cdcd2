// scratch: serve dist in-process with sampling heap profiler including collected objects
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
const { createSandbox } = await import('/work/main/dist/index.js');
const sb = createSandbox(JSON.parse(process.env.OPTS ?? '{}'));
await sb.listen(Number(process.argv[2]), '127.0.0.1');
const s = new Session(); s.connect();
process.on('SIGUSR2', async () => { await s.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true }); console.error('sampling'); });
process.on('SIGTERM', async () => { const { profile } = await s.post('HeapProfiler.stopSampling'); writeFileSync('/tmp/heap.json', JSON.stringify(profile)); await sb.close(); process.exit(0); });
