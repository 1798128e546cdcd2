// The README's "Testing your error handling" walk-through, pasted into a shell in order, against a
// real sandbox: every command answers what its "# → NNN" comment says, and none meets an answer
// it did not ask for (a 429 from the key's plan, a 401 from a key revoked earlier, a 415 from the
// control API, a 5xx no fault requested). Uses curl, as the README does.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT } from '../../src/paths.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';

let sb: RunningSandbox;
const cwd = mkdtempSync(join(tmpdir(), 'readme-walk-'));
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb.close();
  rmSync(cwd, { recursive: true, force: true });
});

interface Command {
  text: string;
  expected?: number;
}

/** The shell commands of one README section, with the status each "# → NNN" comment promises. */
export function walkthrough(readme: string, heading: string): { setup: string[]; commands: Command[] } {
  const start = readme.indexOf(`## ${heading}`);
  const end = readme.indexOf('\n## ', start + 4);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const lines = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n'));
  const setup: string[] = [];
  const commands: Command[] = [];
  let pending: string[] = [];
  const quotesOpen = (s: string) => (s.replace(/"[^"]*"/g, '').match(/'/g)?.length ?? 0) % 2 === 1;
  for (const line of lines) {
    if (pending.length) {
      pending.push(line);
      const text = pending.join('\n');
      if (!quotesOpen(text) && !line.endsWith('\\')) {
        commands.push({ text });
        pending = [];
      }
      continue;
    }
    const trimmed = line.trim();
    const expected = /^# → (\d{3})\b/.exec(trimmed);
    if (expected && commands.length) commands[commands.length - 1]!.expected ??= Number(expected[1]);
    if (trimmed.startsWith('export ')) setup.push(trimmed.replace(/\s+#.*$/, ''));
    if (!trimmed.startsWith('curl ')) continue;
    if (quotesOpen(line) || line.endsWith('\\')) pending = [line];
    else commands.push({ text: line });
  }
  return { setup, commands };
}

/** What a command asked for itself: a fault, a Prefer, a revocation it means to provoke. */
function asksFor(text: string): 'error' | 'connection' | undefined {
  if (/X-Sandbox-Fault: (reset|empty)/.test(text)) return 'connection';
  if (/X-Sandbox-Fault: [^']*(error=|status=)|Prefer: code=/.test(text)) return 'error';
  return undefined;
}

it('runs in order, and every answer is the one promised or asked for', async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const { setup, commands } = walkthrough(readme, 'Testing your error handling');
  expect(commands.length).toBeGreaterThan(30);
  const script = [
    'set +e',
    // Each command's status goes to stderr after a marker, whatever the command does with stdout.
    "curl() { command curl -sS -m 30 -w '%{stderr}@@STATUS %{http_code}@@\\n' \"$@\"; }",
    ...setup,
    `export SB=${sb.url}`,
    ...commands.flatMap((c, i) => [`echo '@@CMD ${i}@@' >&2`, c.text]),
  ].join('\n');
  // Asynchronously: the sandbox answering the commands runs in this process.
  const run = await new Promise<{ stderr: string; code: number | null }>((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ stderr, code });
    });
  });
  const statuses = new Map<number, number>();
  let current = -1;
  for (const line of run.stderr.split('\n')) {
    const cmd = /^@@CMD (\d+)@@$/.exec(line);
    if (cmd) current = Number(cmd[1]);
    const status = /@@STATUS (\d{3})@@/.exec(line);
    if (status && current >= 0 && !statuses.has(current)) statuses.set(current, Number(status[1]));
  }
  const problems: string[] = [];
  commands.forEach((c, i) => {
    const status = statuses.get(i);
    const what = `#${i} ${c.text.split('\n')[0]!.slice(0, 110)} → ${status ?? 'no status'}`;
    if (status === undefined) {
      // Only a command with its own -w (the latency example) has no marker.
      if (!/ -w /.test(c.text)) problems.push(`${what}: did not run`);
      return;
    }
    if (c.expected !== undefined) {
      if (status !== c.expected) problems.push(`${what}: the README promises ${c.expected}`);
      return;
    }
    const asked = asksFor(c.text);
    if (asked === 'connection' ? status !== 0 : asked === 'error' ? status < 400 : status === 0 || status >= 400) problems.push(`${what}: not what it asked for`);
  });
  expect(problems, run.stderr.slice(-2000)).toEqual([]);
}, 180_000);
