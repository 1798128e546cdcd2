// PhantomFlow render jobs: the lifecycle (queued → rendering → completed | failed) on the generic
// engine, acceptance (concurrency cap, credit reservation), the job object of the spec, listing,
// and what happens at the end (settle or refund, then the jobFinished webhook).
import { randomUUID } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { SandboxClock } from '../../core/clock.ts';
import type { FaultHooks } from '../../faults/hooks.ts';
import { decodeCursor, pageOf } from '../../engine/cursor.ts';
import { ApiError } from '../../core/errors.ts';
import { isoTime } from '../../core/iso-time.ts';
import type { Handler } from '../../engine/handler.ts';
import type { Semaphore } from '../../core/semaphore.ts';
import type { ViewFilter, ViewRecord } from '../../engine/module.ts';
import { JobEngine, WorkTimeout, type Job, type LifecycleDefinition } from '../../jobs/lifecycle.ts';
import type { Account, AccountStore } from '../../tenancy/accounts.ts';
import { assertCapacity } from '../../tenancy/concurrency.ts';
import type { ApiPolicy } from '../../openapi/policy.ts';
import type { WebhookDispatcher } from '../../webhooks/delivery.ts';
import type { RenderBilling } from './billing.ts';
import { totalSeconds, type Fidelity, type MovieScript, type Renderer } from './render/index.ts';
import { costOf, overLimit, renderBudgetMs } from './render/cost.ts';
import { jobFinishedEvent } from './webhook-events.ts';

/** A validated movie script as submitted: what the renderer reads, plus where to report. */
export type MovieScriptLike = MovieScript & { webhook_uri?: string };

export interface RenderJobData {
  script: MovieScriptLike;
  width: number;
  height: number;
  fps: number;
  estimatedCredits: number;
  creditsUsed: number | null;
  outputFile: string | null;
  thumbnailFile: string | null;
  durationSeconds: number | null;
  /** bytes of the job's files on disk (0 until completed) */
  fileBytes: number;
  templateId: string | null;
  webhookUri: string | null;
  /** scheme://host the client used, for output URLs */
  baseUrl: string;
}

export interface RenderJobsOptions {
  policy: ApiPolicy;
  accounts: AccountStore;
  clock: SandboxClock;
  faults: FaultHooks;
  renderer: Renderer;
  billing: RenderBilling;
  webhooks: WebhookDispatcher;
  /** the sandbox's work semaphore: renders wait in `queued` for a slot */
  work: Semaphore;
  dataDir: string;
  /** URL path under which dataDir is served (`/files/phantomflow`) */
  filesPath: string;
  /** MovieScript defaults read from the spec */
  defaults: { width: number; height: number; fps: number };
  queueDelayMs: number;
  /** a fixed work budget for every job (tests); default: one that scales with the script (cost.ts) */
  workTimeoutMs?: number;
  historyLimit?: number;
  /** the fidelity renders run at: which x-sandbox.renderLimits apply */
  fidelity: Fidelity;
  /** told of every state change, after the job's own bookkeeping (the sandbox's event stream) */
  onTransition?(job: Job<RenderJobData>, from: string | null, to: string): void;
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : isoTime(ms));

export class RenderJobs {
  readonly engine: JobEngine<RenderJobData>;
  private readonly activeStates: string[];
  /** bytes of the files of completed jobs still kept */
  private fileBytes = 0;

  constructor(private readonly o: RenderJobsOptions) {
    const catalogue = o.policy.errors.catalogue;
    const definition: LifecycleDefinition<RenderJobData> = {
      initial: 'queued',
      failState: 'failed',
      states: {
        queued: { active: true, progress: 0, holdMs: o.queueDelayMs, next: 'rendering' },
        rendering: {
          active: true,
          pooled: true,
          progress: 0,
          // What the script asked decides how long it may take (a 1 s job cannot hold a slot for minutes).
          workTimeoutMs: (job) => this.budgetOf(job),
          work: async (ctx) => {
            const { job } = ctx;
            const fault = o.faults.pipeline({ api: o.policy.id, key: job.owner, jobId: job.id, stage: 'render' });
            if (fault?.delayMs && fault.delayMs > 0) await ctx.sleep(fault.delayMs);
            if (fault?.fail) {
              const code = fault.fail.code;
              return { to: 'failed', error: { code, message: fault.fail.message ?? catalogue[code]?.message ?? 'The render failed.' } };
            }
            // Render at the job's shape: the spec's defaults filled in where the script is silent.
            const { width, height, fps } = job.data;
            const r = await o.renderer.render({ ...job.data.script, width, height, fps }, { jobId: job.id, onProgress: ctx.progress, signal: ctx.signal, timeoutMs: this.budgetOf(job) });
            if (!r.ok) return { to: 'failed', error: r.error };
            return {
              to: 'completed',
              data: { outputFile: basename(r.file), thumbnailFile: r.thumbnail ? basename(r.thumbnail) : null, durationSeconds: r.durationSeconds, fileBytes: r.bytes + (r.thumbnailBytes ?? 0) },
            };
          },
        },
        completed: { terminal: true, progress: 100 },
        failed: { terminal: true, progress: 100 },
      },
      internalErrorCode: o.policy.errors.internal,
      describeFailure: (err) => ({
        code: 'RENDER_FAILED',
        message:
          err instanceof WorkTimeout
            ? `The render did not finish within ${Math.round(err.ms / 1000)} s and was stopped.`
            : `The render failed: ${err instanceof Error ? err.message : String(err)}`,
      }),
    };
    this.engine = new JobEngine(definition, {
      clock: o.clock,
      work: o.work,
      workTimeoutMs: o.workTimeoutMs,
      historyLimit: o.historyLimit,
      totalHistoryLimit: o.policy.bounds.finishedJobs,
      onTransition: (job, from, to) => {
        this.onTransition(job, to);
        o.onTransition?.(job, from, to);
      },
      onForget: (job) => this.removeFiles(job),
    });
    this.activeStates = o.policy.concurrency.activeStates ?? this.engine.activeStates;
  }

  /** Accept a validated movie script for `account`: the 202 body. */
  submit(account: Account, script: MovieScriptLike, from: { templateId?: string; baseUrl: string }): Record<string, unknown> {
    const { renderLimits, concurrency } = this.o.policy;
    const over = overLimit(costOf(script, this.o.fidelity, this.o.defaults), renderLimits?.[this.o.fidelity], this.o.fidelity);
    if (over) throw new ApiError(renderLimits!.code, over[1], { extra: { path: over[0] } });
    // Counted, not listed: an unlimited account may have 100k jobs queued. The estimate of the
    // next free slot is only needed at a cap, where the active jobs are at most that cap.
    const active = this.engine.activeCount(account.key, this.activeStates);
    const cap = this.o.accounts.limitsOf(account).concurrentJobs;
    const retryAfter = () => this.secondsUntilSlot(account.key);
    assertCapacity(this.o.policy, { active, cap, retryAfterSeconds: cap !== null && active >= cap ? retryAfter() : 1 });
    // The queue for render slots is bounded per key (whatever the plan) and in all.
    const queued = this.engine.activeCount(account.key, ['queued']);
    if (concurrency.maxQueuedPerKey !== undefined && queued >= concurrency.maxQueuedPerKey) {
      assertCapacity(this.o.policy, { active: queued, cap: concurrency.maxQueuedPerKey, retryAfterSeconds: retryAfter() }, 'of your jobs waiting for a render slot');
    }
    if (concurrency.maxQueued !== undefined) {
      const all = this.engine.countAll(['queued']);
      if (all >= concurrency.maxQueued) assertCapacity(this.o.policy, { active: all, cap: concurrency.maxQueued, retryAfterSeconds: Math.max(1, retryAfter()) }, 'jobs of every account waiting for a render slot');
    }
    const estimate = this.o.billing.estimate(script);
    const id = randomUUID();
    this.o.billing.reserve(account, id, estimate);
    const job = this.engine.create(
      account.key,
      {
        script,
        width: script.width ?? this.o.defaults.width,
        height: script.height ?? this.o.defaults.height,
        fps: script.fps ?? this.o.defaults.fps,
        estimatedCredits: estimate,
        creditsUsed: null,
        outputFile: null,
        thumbnailFile: null,
        durationSeconds: null,
        fileBytes: 0,
        templateId: from.templateId ?? null,
        webhookUri: script.webhook_uri ?? null,
        baseUrl: from.baseUrl,
      },
      id,
    );
    return { job_id: job.id, status: 'queued', estimated_credits: estimate, credits_remaining: account.balance };
  }

  /** The spec's Job object. */
  view(job: Job<RenderJobData>): Record<string, unknown> {
    const d = job.data;
    const fileUrl = (name: string | null) => (name && job.state === 'completed' ? `${d.baseUrl}${this.o.filesPath}/${encodeURIComponent(name)}` : null);
    return {
      job_id: job.id,
      status: job.state,
      progress: job.progress,
      created_at: iso(job.createdAt),
      started_at: iso(job.enteredAt.rendering),
      completed_at: iso(job.finishedAt),
      width: d.width,
      height: d.height,
      fps: d.fps,
      estimated_credits: d.estimatedCredits,
      credits_used: d.creditsUsed,
      output_url: fileUrl(d.outputFile),
      thumbnail_url: fileUrl(d.thumbnailFile),
      duration_seconds: job.state === 'completed' && d.durationSeconds !== null ? Math.round(d.durationSeconds * 1000) / 1000 : null,
      error: job.error,
      template_id: d.templateId,
      webhook_uri: d.webhookUri,
      test_mode: true,
    };
  }

  activeCount(owner: string): number {
    return this.engine.activeCount(owner, this.activeStates);
  }

  handlers(): Record<string, Handler> {
    return {
      listJobs: ({ account, query }) => {
        const limit = typeof query.limit === 'number' ? query.limit : 20;
        let after: number | undefined;
        if (typeof query.cursor === 'string') {
          after = decodeCursor(query.cursor);
          if (after === undefined) {
            throw new ApiError(this.o.policy.validation.parameters, 'Unreadable cursor: pass back pagination.next_cursor unchanged.', { extra: { path: 'cursor' } });
          }
        }
        const status = typeof query.status === 'string' ? [query.status] : undefined;
        const { page, hasMore, nextCursor } = pageOf(this.engine.list(account.key, status), limit, after);
        return { status: 200, body: { data: page.map((j) => this.view(j)), pagination: { limit, has_more: hasMore, next_cursor: nextCursor } } };
      },
      getJob: ({ account, params }) => {
        const job = this.engine.getOwned(account.key, params.job_id!);
        if (!job) throw new ApiError('NOT_FOUND', `Job ${params.job_id} not found.`);
        return { status: 200, body: this.view(job) };
      },
    };
  }

  /** Jobs across accounts (or one) for the control API, newest first. */
  list(filter: ViewFilter): ViewRecord[] {
    // The control view adds each state's entry on the sandbox clock.
    const timeline = (j: Job<RenderJobData>) => Object.entries(j.enteredAt).sort((a, b) => a[1] - b[1]).map(([state, at]) => ({ state, at: iso(at) }));
    return this.engine.select(filter).map((j) => ({ key: j.owner, createdAt: j.createdAt, body: { ...this.view(j), timeline: timeline(j) } }));
  }

  reset(key?: string): void {
    this.engine.reset(key);
  }

  /** An account with a job queued or rendering is not forgotten to make room. */
  busy(key: string): boolean {
    return this.engine.hasActive(key);
  }

  /** Stop every job; resolves once their renders (FFmpeg) have exited. */
  close(): Promise<void> {
    return this.engine.close();
  }

  // ---------------------------------------------------------------- internals

  /** Wall-clock ms the job's render may take: fixed by the settings, else from what it asks. */
  private budgetOf(job: Job<RenderJobData>): number {
    if (this.o.workTimeoutMs !== undefined) return this.o.workTimeoutMs;
    const { width, height, fps } = job.data;
    return renderBudgetMs(costOf({ ...job.data.script, width, height, fps }, this.o.fidelity, this.o.defaults));
  }

  /** Estimated seconds until one of the owner's active jobs finishes: its hold plus a typical render. */
  private secondsUntilSlot(owner: string): number {
    const typical = this.engine.typicalWorkMs('rendering');
    const now = this.o.clock.now();
    let soonest = Infinity;
    for (const job of this.engine.active(owner, this.activeStates)) {
      const render = typical ?? 1000 + totalSeconds(job.data.script) * 200;
      const elapsed = job.state === 'rendering' ? now - (job.enteredAt.rendering ?? now) : 0;
      soonest = Math.min(soonest, this.engine.holdRemaining(job) + Math.max(0, render - elapsed));
    }
    return soonest === Infinity ? 1 : soonest / 1000;
  }

  private onTransition(job: Job<RenderJobData>, to: string): void {
    if (to !== 'completed' && to !== 'failed') return;
    const d = job.data;
    if (to === 'completed') {
      this.fileBytes += d.fileBytes;
      const cap = this.o.policy.bounds.fileBytes;
      // Produced files are bounded across accounts: the oldest finished jobs make room.
      if (cap !== undefined && this.fileBytes > cap) queueMicrotask(() => this.engine.forgetOldestFinished(() => this.fileBytes <= cap));
      d.creditsUsed = this.o.billing.settle(job.owner, job.id, d.estimatedCredits, d.durationSeconds ?? totalSeconds(d.script));
    } else {
      this.o.billing.refund(job.owner, job.id, d.estimatedCredits);
      d.creditsUsed = 0;
      d.durationSeconds = null;
    }
    if (d.webhookUri) {
      const payload = jobFinishedEvent(this.view(job) as unknown as Parameters<typeof jobFinishedEvent>[0]);
      this.o.webhooks.send({ key: job.owner, subject: job.id, url: d.webhookUri, event: 'jobFinished', payload });
    }
  }

  private removeFiles(job: Job<RenderJobData>): void {
    if (job.state === 'completed') this.fileBytes -= job.data.fileBytes;
    // A job that never rendered has no file (a reset of 1,000 queued jobs must not issue 2,000 unlinks).
    if (job.enteredAt.rendering === undefined) return;
    // By the renderer's names, whatever the job got to record: a render finishing as its job is
    // forgotten must not leave its files behind.
    for (const name of new Set([job.data.outputFile, job.data.thumbnailFile, `${job.id}.mp4`, `${job.id}.jpg`])) {
      if (name) void unlink(join(this.o.dataDir, name)).catch(() => undefined);
    }
  }
}
