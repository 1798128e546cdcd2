// Checks on what the API produces: a job reaches a terminal state within its budget, its video is a
// real MP4 of the requested duration and shape (probed with ffprobe), its thumbnail a real image,
// its separate audio file real audio of the same length,
// credits move as documented (reserved, settled, refunded; the sandbox ledger balances), and
// webhooks arrive with the documented payload and a valid signature. Phases gather the facts.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { fail, pass, skip, type Check, type CheckContext } from '../types.ts';
import { schemaBookOf } from '../spec-schemas.ts';
import { at } from '../profile.ts';
import { mediaType } from './response.ts';

interface Probe {
  formatName?: string;
  durationSeconds?: number;
  video?: { width: number; height: number; codec: string };
  audio?: { codec: string; sampleRate: number; channels: number };
  error?: string;
}

const f = (ctx: CheckContext) => ctx.facts as Record<string, any>;

/** What every file check asks first: the file is on the API's own host and downloaded with a 200. */
function downloadFailure(res: { status: number; text: string }, x: Record<string, any>, role: string, onHost: string) {
  if (x.offHost) return fail(onHost, x.offHost);
  if (res.status !== 200) return fail(`200 downloading the ${role}`, `${res.status} ${res.text.slice(0, 200)}`);
  return undefined;
}

export const jobAccepted: Check = {
  name: 'job_accepted',
  family: 'domain',
  description: 'a job submission answers 2xx',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'job' || ctx.meta.step !== 'submit') return undefined;
    return res.status >= 200 && res.status < 300 ? pass() : fail(`a 2xx accepting the job (${ctx.meta.label})`, `${res.status} ${res.text.slice(0, 200)}`);
  },
};

export const jobTerminal: Check = {
  name: 'job_reaches_terminal_state',
  family: 'domain',
  description: 'a submitted job reaches the expected terminal state within its budget (polling honours Retry-After)',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'job' || (ctx.meta.step !== 'final' && ctx.meta.step !== 'refund')) return undefined;
    const x = f(ctx);
    if (!x.terminal) return fail(`a terminal state (${x.expected.join(' or ')}) within ${x.budgetMs} ms`, `still ${JSON.stringify(x.status)} after ${x.waitedMs} ms (last poll ${res.status})`);
    if (!x.expected.includes(x.status)) return fail(`status ${x.expected.join(' or ')}`, `${x.status}${x.error ? ` (${JSON.stringify(x.error)})` : ''}`);
    if (ctx.meta.step === 'refund' && x.failureCode && x.errorCode !== x.failureCode) return fail(`the job's error code ${x.failureCode}`, JSON.stringify(x.errorCode));
    return pass();
  },
};

export const outputIsMp4: Check = {
  name: 'output_is_mp4',
  family: 'domain',
  description: 'the output is a real MP4 (ffprobe) of the requested duration and aspect ratio',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'file' || ctx.meta.role !== 'video') return undefined;
    const x = f(ctx);
    const bad = downloadFailure(res, x, 'video', `a video URL on ${x.expectedHost} (the sandbox serves its own files)`);
    if (bad) return bad;
    const p: Probe = x.probe ?? {};
    if (p.error || !p.formatName) return fail('a file ffprobe reads', p.error ?? 'unreadable');
    if (!/\bmp4\b/.test(p.formatName) || !p.video) return fail('an MP4 with a video stream', `${p.formatName}${p.video ? '' : ', no video stream'}`);
    const ct = mediaType(res.headers['content-type']);
    if (/^(text\/|application\/json)/.test(ct)) return fail('a video Content-Type (video/mp4)', `Content-Type: ${ct}`);
    if (typeof x.expectedDuration === 'number') {
      const tol = Math.max(0.3, x.expectedDuration * 0.05);
      if (Math.abs((p.durationSeconds ?? 0) - x.expectedDuration) > tol) return fail(`${x.expectedDuration} s (±${tol.toFixed(2)})`, `${p.durationSeconds} s`);
    }
    if (typeof x.reportedDuration === 'number' && Math.abs(x.reportedDuration - (p.durationSeconds ?? 0)) > 0.3) {
      return fail(`the reported duration ${x.reportedDuration} s`, `${p.durationSeconds} s in the file`);
    }
    if (typeof x.expectedAspect === 'number') {
      const got = p.video.width / p.video.height;
      if (Math.abs(got - x.expectedAspect) / x.expectedAspect > 0.02) return fail(`aspect ratio ${x.expectedAspectText}`, `${p.video.width}x${p.video.height}`);
    }
    return pass();
  },
};

const MAGIC: [string, (b: Buffer) => boolean][] = [
  ['image/jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/png', (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))],
  ['image/webp', (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP'],
  ['image/gif', (b) => b.subarray(0, 4).toString('latin1') === 'GIF8'],
];

export const rangeServed: Check = {
  name: 'output_supports_range',
  family: 'domain',
  description: 'the video answers a Range request with 206 and exactly those bytes (players seek with it)',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'file' || ctx.meta.role !== 'range') return undefined;
    const size = f(ctx).size as number;
    const want = `bytes 0-99/${size}`;
    if (res.status !== 206 || res.headers['content-range'] !== want || res.bytes?.length !== 100) {
      return fail(`206 with Content-Range: ${want} and 100 bytes`, `${res.status}, Content-Range: ${res.headers['content-range'] ?? 'none'}, ${res.bytes?.length ?? 0} bytes`);
    }
    return pass();
  },
};

export const thumbnailIsImage: Check = {
  name: 'thumbnail_is_image',
  family: 'domain',
  description: 'the thumbnail is a real image (signature bytes, Content-Type, ffprobe dimensions)',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'file' || ctx.meta.role !== 'thumbnail') return undefined;
    const x = f(ctx);
    const bad = downloadFailure(res, x, 'thumbnail', `a thumbnail URL on ${x.expectedHost}`);
    if (bad) return bad;
    const bytes = res.bytes ?? Buffer.alloc(0);
    const kind = MAGIC.find(([, test]) => test(bytes))?.[0];
    if (!kind) return fail('JPEG, PNG, WebP or GIF bytes', `${bytes.length} bytes starting ${bytes.subarray(0, 8).toString('hex')}`);
    const ct = mediaType(res.headers['content-type']);
    if (!ct.startsWith('image/')) return fail(`Content-Type image/* (the bytes are ${kind})`, `Content-Type: ${ct || 'none'}`);
    const p: Probe = x.probe ?? {};
    if (!p.video || !(p.video.width > 0 && p.video.height > 0)) return fail('an image ffprobe reads with a size', p.error ?? 'no picture');
    return pass();
  },
};

export const audioIsAudio: Check = {
  name: 'audio_is_audio',
  family: 'domain',
  description: 'the separate audio file is real audio (ffprobe: an audio stream, no picture, an audio Content-Type) as long as the video',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'file' || ctx.meta.role !== 'audio') return undefined;
    const x = f(ctx);
    const bad = downloadFailure(res, x, 'audio', `an audio URL on ${x.expectedHost}`);
    if (bad) return bad;
    const p: Probe = x.probe ?? {};
    if (p.error || !p.formatName) return fail('a file ffprobe reads', p.error ?? 'unreadable');
    if (!p.audio) return fail('an audio stream', `${p.formatName} without one`);
    if (p.video) return fail('audio only (the video is a file of its own)', `a ${p.video.codec} picture stream too`);
    const ct = mediaType(res.headers['content-type']);
    if (!ct.startsWith('audio/')) return fail('Content-Type audio/*', `Content-Type: ${ct || 'none'}`);
    if (typeof x.videoDuration === 'number' && Math.abs((p.durationSeconds ?? 0) - x.videoDuration) > 0.3) {
      return fail(`the video's duration, ${x.videoDuration} s (±0.3)`, `${p.durationSeconds} s`);
    }
    return pass();
  },
};

export const creditsMove: Check = {
  name: 'credits_move_as_documented',
  family: 'domain',
  description: 'the balance drops by the estimate when a job is accepted, settles at its cost, and is refunded in full on failure',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'account' || ctx.meta.step === 'before' || ctx.meta.step === 'ledger') return undefined;
    const x = f(ctx);
    if (res.status !== 200) return fail('200 reading the account balance', `${res.status} ${res.text.slice(0, 160)}`);
    const balance = ctx.profile.balance ? at(res.json, ctx.profile.balance.pointer) : undefined;
    if (typeof balance !== 'number' || typeof x.before !== 'number') return skip('no numeric balance to compare');
    const want = x.expectedBalance as number;
    if (balance !== want) return fail(`balance ${want} (${x.why})`, `balance ${balance}`);
    if (ctx.meta.step === 'reserved' && typeof x.remaining === 'number' && x.remaining !== want) return fail(`the acceptance's remaining credits ${want}`, `${x.remaining}`);
    if (ctx.meta.step === 'reserved' && typeof x.expectedEstimate === 'number' && x.estimate !== x.expectedEstimate) {
      return fail(`an estimate of ${x.expectedEstimate} credits (${x.pricing})`, `${x.estimate}`);
    }
    return pass();
  },
};

export const ledgerBalanced: Check = {
  name: 'ledger_records_movements',
  family: 'domain',
  description: "the sandbox ledger balances and records the job's reservation and its settlement or refund",
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'account' || ctx.meta.step !== 'ledger') return undefined;
    const x = f(ctx);
    const ledger = res.json as { balanced?: boolean; entries?: { kind: string; amount: number; ref?: string }[] } | undefined;
    if (res.status !== 200 || !ledger?.entries) return fail('the ledger from the control API', `${res.status}`);
    if (!ledger.balanced) return fail('a balanced ledger (entries add up to the balance)', 'unbalanced');
    const mine = ledger.entries.filter((e) => e.ref === x.jobId);
    const kinds = mine.map((e) => e.kind);
    const total = mine.reduce((s, e) => s + e.amount, 0);
    if (!kinds.includes('reserve')) return fail(`a reserve entry for job ${x.jobId}`, kinds.join(', ') || 'none');
    if (x.refunded ? total !== 0 : total !== -x.used) return fail(`job ${x.jobId} entries adding up to ${x.refunded ? 0 : -x.used}`, `${kinds.join(', ')} = ${total}`);
    return pass();
  },
};

export const webhookDelivered: Check = {
  name: 'webhook_delivered',
  family: 'domain',
  description: 'a webhook arrives with the documented payload (and a valid signature where the spec declares one)',
  run(_op, _req, _res, ctx) {
    if (ctx.meta.kind !== 'webhook') return undefined;
    const x = f(ctx);
    const d = x.delivery as { headers: Record<string, string | string[] | undefined>; body: string } | undefined;
    if (!d) return fail(`a delivery within ${x.budgetMs} ms`, 'none arrived');
    let payload: unknown;
    try {
      payload = JSON.parse(d.body);
    } catch {
      return fail('a JSON payload', d.body.slice(0, 200));
    }
    if (x.schema) {
      const problems = schemaBookOf(ctx.profile).problems(x.schema, payload);
      if (problems.length) return fail('a payload matching the webhook schema', problems.slice(0, 3).map((p) => p.message).join('; '));
    }
    const text = JSON.stringify(payload);
    if (x.subjectId && !text.includes(String(x.subjectId))) return fail(`a payload about ${x.subjectId}`, text.slice(0, 200));
    const sig = x.signature as { header: string; encoding?: string } | undefined;
    if (sig) {
      const got = d.headers[sig.header.toLowerCase()];
      const want = createHmac('sha256', String(x.secret)).update(d.body).digest((sig.encoding as 'hex' | 'base64') ?? 'hex');
      const ok = typeof got === 'string' && got.length === want.length && timingSafeEqual(Buffer.from(got), Buffer.from(want));
      if (!ok) return fail(`${sig.header}: HMAC-SHA256 of the body with the callback secret`, `${sig.header}: ${got ?? 'none'}`);
    }
    return pass();
  },
};

export const domainChecks: Check[] = [jobAccepted, jobTerminal, outputIsMp4, rangeServed, thumbnailIsImage, audioIsAudio, creditsMove, ledgerBalanced, webhookDelivered];
