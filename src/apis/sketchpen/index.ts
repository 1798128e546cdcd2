// Sketchpen: prompt → narrated whiteboard video. Only what is Sketchpen's own lives here; it
// composes the engine's pieces (job lifecycle, work semaphore, ledger, webhook delivery, signed
// file links, fault hooks) and the spec's declarations (states, codes, limits, prices, timings).
//   videos.ts      acceptance, state rules of every action, listing, refunds + callbacks at the end
//   lifecycle.ts   the states and each stage's work (script, drawings, speech, render)
//   script.ts      the deterministic script        scene-images.ts  a PNG per scene
//   narration.ts   real speech before the render   whiteboard*.ts   the renderer (issue 11)
//   billing.ts     charges and refunds per part    timing.ts        fast / realistic holds
//   assets.ts      characters, objects, uploads    callbacks.ts     subscriptions, deliveries
//   catalogues.ts  themes, voices                  account.ts       GET /account
import { availableParallelism } from 'node:os';
import { requireCatalogueCodes, type ApiModule } from '../../engine/module.ts';
import { createNarrator } from '../../media/speech.ts';
import { partPricingFrom } from '../../tenancy/pricing.ts';
import { WebhookDispatcher } from '../../webhooks/delivery.ts';
import { jobEvents, webhookEvents } from '../module-events.ts';
import { accountHandlers } from './account.ts';
import { AssetStore, assetHandlers } from './assets.ts';
import { VideoBilling } from './billing.ts';
import { CallbackStore, callbackHandlers } from './callbacks.ts';
import { catalogueHandlers } from './catalogues.ts';
import { OWN_CODES } from './errors.ts';
import { STATES } from './lifecycle.ts';
import { CachingNarrator } from './narration.ts';
import { checkSpec, createDefaults } from './spec-reading.ts';
import { timingFrom } from './timing.ts';
import { Videos } from './videos.ts';
import { createWhiteboardRenderer } from './whiteboard.ts';

export const sketchpen: ApiModule = {
  id: 'sketchpen',
  create({ spec, accounts, clock, ledger, faults, work, events, files, register, settings, media, seed, outbound }) {
    const { policy } = spec;
    requireCatalogueCodes('sketchpen', spec, OWN_CODES);
    const pricing = partPricingFrom(policy.credits);
    if (!pricing) throw new Error('sketchpen: x-sandbox.credits needs {perScene, audio, minimumToCreate}');
    const stages = checkSpec(spec.doc, policy, STATES);
    const timing = timingFrom(policy.timing, settings.timing, seed, STATES);

    const speechProcesses = Math.min(2, availableParallelism());
    const narrator = new CachingNarrator(createNarrator({ processes: speechProcesses }));
    const renderer = createWhiteboardRenderer({
      outputDir: files.dir,
      fidelity: media.fidelity,
      narrator,
      ffmpegTimeoutMs: settings.workTimeoutMs,
      fetch: { allowHosts: outbound.allowHosts },
      // FFmpeg's memory bounded as for PhantomFlow's renders (decision 003).
      memoryLimitBytes: media.ffmpegMemoryBytes ?? (media.fidelity === 'full' ? 4 : 2) * 2 ** 30,
    });
    const assets = new AssetStore(files.dir, () => clock.now(), policy.bounds.resources.assets);
    const callbacks = new CallbackStore(() => clock.now(), policy.bounds.resources.callbacks);
    const dispatcher = new WebhookDispatcher({
      api: policy.id,
      clock,
      faults,
      policy: policy.webhooks,
      timeoutMs: settings.webhookTimeoutMs,
      historyLimit: settings.webhookHistoryLimit,
      userAgent: 'Sketchpen-Webhooks/1.0 (video-api-sandbox)',
      // Callback URLs pass the same outbound policy as every URL the sandbox calls (decision 008).
      allowHosts: outbound.allowHosts,
      onAttempt: webhookEvents(events, policy.id),
    });
    const videos = new Videos({
      policy,
      accounts,
      clock,
      work,
      billing: new VideoBilling(pricing, ledger, policy.errors.catalogue.INSUFFICIENT_CREDITS!.message),
      assets,
      callbacks: { store: callbacks, dispatcher },
      timing,
      lifecycle: { api: policy.id, faults, stages, seed, dir: files.dir, narrator, renderer, internalCode: policy.errors.internal },
      defaults: createDefaults(spec.doc),
      link: files.link,
      dir: files.dir,
      workTimeoutMs: settings.workTimeoutMs,
      historyLimit: settings.historyLimit,
      // The first narrated video is created long before it is narrated: start the speech processes then.
      onNarratedVideo: () => void narrator.warm().catch(() => undefined),
      onTransition: jobEvents(events, policy.id),
    });
    // Videos first: forgetting an account's videos removes their files before its assets go.
    for (const store of [videos, assets, callbacks, dispatcher]) register(store);

    return {
      handlers: {
        ...videos.handlers(),
        ...assetHandlers({ store: assets, dir: files.dir, maxBytes: policy.maxBodyBytes, link: files.link }),
        ...callbackHandlers(callbacks),
        ...catalogueHandlers({ narrator, dir: files.dir, link: files.link }),
        ...accountHandlers(accounts, (key) => videos.activeCount(key)),
      },
      // Work aborted and awaited (FFmpeg, drawings), callbacks in flight abandoned, then the
      // speech children: a narration still running would otherwise restart one.
      async close() {
        await Promise.all([videos.close(), dispatcher.close()]);
        await renderer.close();
        await narrator.close();
      },
      views: {
        jobs: (filter) => videos.list(filter),
        webhooks: (filter) => dispatcher.list(filter).map((d) => ({ key: d.key, createdAt: Date.parse(d.createdAt), body: { ...d } })),
      },
    };
  },
};
