// The floor: a bare node:http server answering the same JSON the sandbox answers, no logic at all.
import { createServer } from 'node:http';

const job = JSON.stringify({
  job_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', status: 'completed', progress: 100, created_at: '2026-11-21T00:00:00.000Z',
  started_at: '2026-11-21T00:00:01.000Z', completed_at: '2026-11-21T00:00:03.000Z', width: 640, height: 360, fps: 30,
  estimated_credits: 1, credits_used: 1, output_url: 'http://127.0.0.1/files/x.mp4', thumbnail_url: null, duration_seconds: 1,
  error: null, template_id: null, webhook_uri: null, test_mode: true,
});
const invalid = JSON.stringify({ error: { code: 'SCHEMA_VALIDATION_ERROR', message: 'Expected number, received string', path: 'scenes.0.duration' } });
const port = Number(process.argv[2] ?? 4030);

createServer((req, res) => {
  const body = req.method === 'POST' ? invalid : job;
  req.resume();
  req.on('end', () => {
    res.writeHead(req.method === 'POST' ? 400 : 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}).listen(port, '127.0.0.1', () => console.log(`bare server on ${port}`));
