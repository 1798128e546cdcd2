// Sketchpen's videos: acceptance (validation against themes, voices and assets; the 3-in-progress
// cap; the minimum balance), the state rules of every action (approve, retry, regenerate, scene
// edits, delete, asset links) with the seed's INVALID_STATE messages, listing, and what happens at
// the end of a lifecycle: refunds for the parts that failed, then video.completed / video.failed
// to the account's callbacks.
import { randomUUID } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SandboxClock } from '../../core/clock.ts';
import type { Semaphore } from '../../core/semaphore.ts';
import type { Resettable } from '../../core/tenant-store.ts';
import type { Handler } from '../../engine/handler.ts';
import type { ViewFilter, ViewRecord } from '../../engine/module.ts';
import { JobEngine } from '../../jobs/lifecycle.ts';
import type { ApiPolicy } from '../../openapi/policy.ts';
import type { Account, AccountStore } from '../../tenancy/accounts.ts';
import { assertCapacity } from '../../tenancy/concurrency.ts';
import type { AssetStore } from './assets.ts';
import type { VideoBilling } from './billing.ts';
import { notify, type CallbackStore } from './callbacks.ts';
import { THEME_IDS, VOICE_IDS } from './catalogues.ts';
import { conflict, invalidField, invalidState, notFound } from './errors.ts';
import { AFTER_APPROVAL, STATES, videoLifecycle, WAITING_FOR_CLIENT, type LifecycleDeps } from './lifecycle.ts';
import { iso, pageOf } from './paging.ts';
import { estimatedCaptions } from './script.ts';
import type { Timing } from './timing.ts';
import { sceneView, TERMINAL, videoView, type VideoConfig, type VideoData, type VideoJob } from './video.ts';
import type { WebhookDispatcher } from '../../webhooks/delivery.ts';

export interface VideosOptions {
  policy: ApiPolicy;
  accounts: AccountStore;
  clock: SandboxClock;
  work: Semaphore;
  billing: VideoBilling;
  assets: AssetStore;
  callbacks: { store: CallbackStore; dispatcher: WebhookDispatcher };
  timing: Timing;
  lifecycle: Omit<LifecycleDeps, 'timing' | 'assets'>;
  /** defaults of CreateVideoRequest, read from the spec */
  defaults: Pick<VideoConfig, 'fps' | 'aspect_ratio' | 'theme' | 'audio_mode' | 'bg_mode'>;
  /** a file name → its link (path and signed query) */
  link(name: string): string;
  dir: string;
  workTimeoutMs?: number;
  historyLimit?: number;
  /** a narrated video was created: the speech engine may start now */
  onNarratedVideo?(): void;
  /** every state change (the control API's event stream) */
  onTransition?(job: VideoJob, from: string | null, to: string): void;
}

interface CreateVideoRequest {
  prompt: string;
  fps?: number;
  aspect_ratio?: VideoConfig['aspect_ratio'];
  theme?: string;
  voice_id?: string;
  audio_mode?: VideoConfig['audio_mode'];
  bg_mode?: VideoConfig['bg_mode'];
  asset_ids?: string[];
  speaker_ids?: string[];
}

export class Videos implements Resettable {
  readonly engine: JobEngine<VideoData>;
  private readonly activeStates: string[];
  private readonly workingStates: string[];

  constructor(private readonly o: VideosOptions) {
    this.engine = new JobEngine(videoLifecycle({ ...o.lifecycle, timing: o.timing, assets: o.assets }), {
      clock: o.clock,
      work: o.work,
      workTimeoutMs: o.workTimeoutMs,
      historyLimit: o.historyLimit,
      // Finished videos are bounded across accounts too (x-sandbox.bounds.finishedJobs): the
      // oldest are forgotten with their files.
      totalHistoryLimit: o.policy.bounds.finishedJobs,
      onTransition: (job, from, to) => {
        this.onTransition(job, from, to);
        o.onTransition?.(job, from, to);
      },
      onForget: (job) => this.removeFiles(job),
    });
    this.activeStates = o.policy.concurrency.activeStates ?? this.engine.activeStates;
    this.workingStates = this.activeStates.filter((s) => !WAITING_FOR_CLIENT.includes(s));
  }

  view(job: VideoJob, baseUrl = job.data.baseUrl): Record<string, unknown> {
    return videoView(job, (name) => `${baseUrl}${this.o.link(name)}`);
  }

  activeCount(owner: string): number {
    return this.engine.activeCount(owner, this.activeStates);
  }

  handlers(): Record<string, Handler> {
    const o = this.o;
    const owned = (owner: string, id: string): VideoJob => {
      const job = this.engine.getOwned(owner, id);
      if (!job) throw notFound('Video');
      return job;
    };
    return {
      createVideo: ({ account, body, baseUrl }) => {
        const b = body as CreateVideoRequest;
        const config = this.configOf(account, b);
        this.assertRoom(account);
        o.billing.assertCanCreate(account);
        const data: VideoData = {
          prompt: b.prompt,
          config,
          scenes: [],
          generation: 0,
          feedback: '',
          previousScenes: null,
          paid: { scenes: [], audio: false },
          narrated: false,
          files: null,
          failedIn: null,
          baseUrl,
        };
        const job = this.engine.create(account.key, data, randomUUID());
        if (config.audio_mode !== 'none') o.onNarratedVideo?.();
        return { status: 201, body: this.view(job, baseUrl) };
      },
      listVideos: ({ account, query, baseUrl }) => {
        const status = typeof query.status === 'string' ? [query.status] : undefined;
        return { status: 200, body: pageOf(this.engine.list(account.key, status), query, (j) => this.view(j, baseUrl)) };
      },
      getVideo: ({ account, params, baseUrl }) => ({ status: 200, body: this.view(owned(account.key, params.id!), baseUrl) }),
      deleteVideo: ({ account, params }) => {
        const job = owned(account.key, params.id!);
        if (!TERMINAL.includes(job.state)) throw invalidState(`Cannot delete a video while it is processing (status ${job.state})`);
        this.engine.remove(job.id);
        return { status: 204 };
      },
      approveVideo: ({ account, params, baseUrl }) => {
        const job = owned(account.key, params.id!);
        const d = job.data;
        if (job.state === 'completed') throw invalidState('Cannot approve a completed video');
        if (job.state === 'failed' && !d.scenes.length) throw invalidState('Video failed before its script was written; regenerate the script first');
        if (job.state !== 'refining' && job.state !== 'failed') throw invalidState(`Cannot approve a video while it is processing (status ${job.state})`);
        const retry = job.state === 'failed';
        if (retry) this.assertRoom(account);
        // Only what is not made and not paid for is charged: everything at first, the failed parts on a retry.
        const scenes = d.scenes.filter((s) => !s.image && !d.paid.scenes.includes(s.id)).map((s) => s.id);
        const audio = d.config.audio_mode !== 'none' && !d.narrated && !d.paid.audio;
        d.paid = o.billing.charge(account, job.id, d.paid, scenes, audio);
        d.baseUrl = baseUrl;
        job.error = null;
        d.failedIn = null;
        this.engine.send(job.id, retry ? 'retry' : 'approve');
        return { status: 200, body: this.view(job, baseUrl) };
      },
      regenerateVideo: ({ account, params, body, baseUrl }) => {
        const job = owned(account.key, params.id!);
        if (job.state !== 'refining' && job.state !== 'failed') {
          throw invalidState(`Cannot regenerate the script of a ${job.state === 'completed' ? 'completed video' : `video while it is processing (status ${job.state})`}; regenerate works in refining and failed`);
        }
        if (job.state === 'failed') this.assertRoom(account);
        const d = job.data;
        const feedback = (body as { feedback?: string } | undefined)?.feedback ?? '';
        for (const s of d.scenes) if (s.image) void unlink(join(o.dir, s.image)).catch(() => undefined);
        job.error = null;
        this.engine.send(job.id, 'regenerate', {
          scenes: [],
          generation: d.generation + 1,
          feedback,
          previousScenes: d.scenes.length || d.previousScenes,
          // Images made for the old script are spent; a narration paid for but never made carries over.
          paid: { scenes: [], audio: d.paid.audio && !d.narrated },
          narrated: false,
          files: null,
          failedIn: null,
          baseUrl,
        });
        return { status: 200, body: this.view(job, baseUrl) };
      },
      updateScene: ({ account, params, body, baseUrl }) => {
        const job = owned(account.key, params.id!);
        if (job.state !== 'refining') {
          throw invalidState(
            TERMINAL.includes(job.state) ? `Cannot modify scenes for a ${job.state} video` : `Cannot modify scenes while the video is ${job.state}; scenes can be edited in refining`,
          );
        }
        const scene = job.data.scenes.find((s) => s.id === params.scene_id);
        if (!scene) throw notFound('Scene');
        const b = body as { speech?: string; visual_description?: string };
        if (b.speech !== undefined) {
          scene.speech = b.speech;
          scene.captions = estimatedCaptions(b.speech);
        }
        if (b.visual_description !== undefined) scene.visual_description = b.visual_description;
        job.updatedAt = o.clock.now();
        return { status: 200, body: sceneView(scene, (name) => `${baseUrl}${o.link(name)}`) };
      },
      linkAssetToVideo: ({ account, params, body }) => {
        const job = owned(account.key, params.video_id!);
        const asset = o.assets.get(account.key, (body as { asset_id: string }).asset_id);
        if (!asset) throw notFound('Asset');
        if (TERMINAL.includes(job.state)) throw invalidState(`Cannot link assets to a ${job.state} video`);
        if (job.data.config.asset_ids.includes(asset.id)) throw conflict('Asset is already linked to this video');
        job.data.config.asset_ids.push(asset.id);
        job.updatedAt = o.clock.now();
        return { status: 201, body: { video_id: job.id, asset_id: asset.id, created_at: iso(job.updatedAt) } };
      },
    };
  }

  /** Videos across accounts (or one) for the control API, newest first, with when each state was entered. */
  list(filter: ViewFilter): ViewRecord[] {
    const timeline = (j: VideoJob) => Object.entries(j.enteredAt).sort((a, b) => a[1] - b[1]).map(([state, at]) => ({ state, at: iso(at) }));
    return this.engine.select(filter).map((j) => ({ key: j.owner, createdAt: j.createdAt, body: { ...this.view(j), timeline: timeline(j) } }));
  }

  reset(key?: string): void {
    this.engine.reset(key);
  }

  /**
   * An account whose video is working (a stage holding or running) is not forgotten to make room.
   * A video waiting for the client (refining: approve or regenerate) does not count: it may wait
   * forever, and the account bound must hold.
   */
  busy(key: string): boolean {
    return this.engine.active(key, this.workingStates).length > 0;
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  // ---------------------------------------------------------------- internals

  /** The config with the spec's defaults, after checking themes, voices and assets. */
  private configOf(account: Account, b: CreateVideoRequest): VideoConfig {
    const { defaults, assets } = this.o;
    const theme = b.theme ?? defaults.theme;
    if (!THEME_IDS.includes(theme)) throw invalidField(['body', 'theme'], `Unknown theme '${theme}'; the themes are ${THEME_IDS.join(', ')} (GET /themes)`);
    if (b.voice_id !== undefined && !VOICE_IDS.includes(b.voice_id)) {
      throw invalidField(['body', 'voice_id'], `Unknown voice_id '${b.voice_id}'; the voices are ${VOICE_IDS.join(', ')} (GET /voices)`);
    }
    const assetIds = b.asset_ids ?? [];
    const speakerIds = b.speaker_ids ?? [];
    speakerIds.forEach((id, i) => {
      if (!assetIds.includes(id)) throw invalidField(['body', 'speaker_ids', i], `Speaker ${id} is not one of asset_ids`);
    });
    for (const id of assetIds) if (!assets.get(account.key, id)) throw notFound('Asset');
    speakerIds.forEach((id, i) => {
      if (assets.get(account.key, id)?.type !== 'character') throw invalidField(['body', 'speaker_ids', i], `Only characters speak: asset ${id} is an object`);
    });
    return {
      fps: b.fps ?? defaults.fps,
      aspect_ratio: b.aspect_ratio ?? defaults.aspect_ratio,
      theme,
      voice_id: b.voice_id ?? null,
      audio_mode: b.audio_mode ?? defaults.audio_mode,
      bg_mode: b.bg_mode ?? defaults.bg_mode,
      asset_ids: [...assetIds],
      speaker_ids: [...speakerIds],
    };
  }

  /** 429 MAX_CONCURRENT_VIDEOS (with Retry-After) when the account's videos in progress fill its cap. */
  private assertRoom(account: Account): void {
    // Counted, not listed (as PhantomFlow's submit): the videos in progress are listed only at
    // the cap, for the Retry-After estimate, where there are at most `cap` of them.
    const active = this.engine.activeCount(account.key, this.activeStates);
    const cap = this.o.accounts.limitsOf(account).concurrentJobs;
    const atCap = cap !== null && active >= cap;
    assertCapacity(this.o.policy, { active, cap, retryAfterSeconds: atCap ? this.secondsUntilFree(this.engine.active(account.key, this.activeStates)) : 1 });
  }

  /** Estimated seconds until one of `active` is done: its hold, then the typical time of each state left. */
  private secondsUntilFree(active: VideoJob[]): number {
    const stateMs = (s: string) => this.o.timing.meanMs(s) + (this.engine.typicalWorkMs(s) ?? 500);
    const etas = active.map((job) => {
      const at = STATES.indexOf(job.state);
      // Before approval the whole post-approval pipeline is still ahead (the approval itself is the client's).
      const ahead = AFTER_APPROVAL.filter((s) => STATES.indexOf(s) > at);
      return this.engine.holdRemaining(job) + ahead.reduce((n, s) => n + stateMs(s), 0);
    });
    return etas.length ? Math.min(...etas) / 1000 : 1;
  }

  private onTransition(job: VideoJob, from: string | null, to: string): void {
    if (!TERMINAL.includes(to)) return;
    const d = job.data;
    if (to === 'failed') {
      d.failedIn = from;
      const account = this.o.accounts.get(job.owner);
      // Paid images that are not there failed; the narration failed if narrating is where it stopped.
      const failedScenes = d.paid.scenes.filter((id) => !d.scenes.find((s) => s.id === id)?.image);
      const audioFailed = from === 'narrating' && !d.narrated;
      const { paid, refunded } = account ? this.o.billing.refund(account, job.id, d.paid, { scenes: failedScenes, audio: audioFailed }) : { paid: d.paid, refunded: 0 };
      d.paid = paid;
      const base = (job.error?.message ?? 'The video failed').replace(/[.\s]+$/, '');
      const credits = refunded ? `; ${refunded} credit${refunded === 1 ? '' : 's'} refunded` : '';
      const next = d.scenes.length ? 'Retry with POST /videos/{id}/approve.' : 'Regenerate the script with POST /videos/{id}/regenerate, then approve it.';
      job.error = { code: job.error?.code ?? this.o.lifecycle.internalCode, message: `${base}${credits}. ${next}` };
    }
    notify({ ...this.o.callbacks, secretField: this.o.policy.webhooks.signature?.secretField ?? 'secret' }, job.owner, to === 'completed' ? 'video.completed' : 'video.failed', this.view(job), this.o.clock.now());
  }

  private removeFiles(job: VideoJob): void {
    const d = job.data;
    const names = [...d.scenes.map((s) => s.image), d.files?.video, d.files?.audio, d.files?.thumbnail];
    for (const name of names) if (name) void unlink(join(this.o.dir, name)).catch(() => undefined);
  }
}
