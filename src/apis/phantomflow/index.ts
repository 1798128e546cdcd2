// PhantomFlow: JSON movie script → MP4. Only what is PhantomFlow's own lives here; it composes
// the engine's generic pieces (job lifecycle, work pool, webhook delivery, ledger, validation).
//   account.ts       GET /api/account
//   templates.ts     template CRUD and visibility
//   placeholders.ts  {{variable}} filling
//   render.ts        POST /api/render, POST /api/render/template
//   jobs.ts          the render lifecycle, job objects, listing, settle/refund + webhook at the end
//   billing.ts       estimate, reservation, settlement, refund
import { requireCatalogueCodes, type ApiModule } from '../../engine/module.ts';
import { durationPricingFrom } from '../../tenancy/pricing.ts';
import { bundleSchema } from '../../openapi/refs.ts';
import { MOVIE_SCRIPT, scriptDefaultsOf } from './script-defaults.ts';
import { WebhookDispatcher } from '../../webhooks/delivery.ts';
import { accountHandlers } from './account.ts';
import { RenderBilling } from './billing.ts';
import { RenderJobs } from './jobs.ts';
import { renderHandlers } from './render.ts';
import { createRenderer } from './render/index.ts';
import { TemplateStore, templateHandlers } from './templates.ts';
import { jobEvents, webhookEvents } from '../module-events.ts';


/** Catalogue codes this module raises itself; checked against the spec at start-up. */
const OWN_CODES = ['NOT_FOUND', 'FORBIDDEN', 'TEMPLATE_NOT_FOUND', 'INSUFFICIENT_CREDITS', 'RENDER_FAILED'];

export const phantomflow: ApiModule = {
  id: 'phantomflow',
  create({ spec, accounts, clock, ledger, validators, faults, work, events, files, register, settings, media, outbound }) {
    const { policy } = spec;
    requireCatalogueCodes('phantomflow', spec, OWN_CODES);
    const pricing = durationPricingFrom(policy.credits);
    if (!pricing) throw new Error('phantomflow: x-sandbox.credits needs {perSecond, rounding}');

    // Generated once from the spec's own component: the schema clients validate with is, by
    // construction, the one the server validates with.
    const movieScriptSchema = bundleSchema(spec.doc, MOVIE_SCRIPT, {
      $id: 'https://api.phantomflow.dev/api/render/schema',
      title: 'PhantomFlow movie script',
    });
    const defaults = scriptDefaultsOf(spec.doc);
    const fidelity = media.fidelity ?? 'light';

    const templates = new TemplateStore(() => clock.now(), policy.bounds.resources.templates);
    register(templates);
    const webhooks = new WebhookDispatcher({
      api: policy.id,
      clock,
      faults,
      policy: policy.webhooks,
      timeoutMs: settings.webhookTimeoutMs,
      historyLimit: settings.webhookHistoryLimit,
      allowHosts: outbound.allowHosts,
      onAttempt: webhookEvents(events, policy.id),
    });
    register(webhooks);
    const jobs = new RenderJobs({
      policy,
      accounts,
      clock,
      faults,
      renderer: createRenderer({
        outputDir: files.dir,
        fidelity,
        defaults,
        fetch: { allowHosts: outbound.allowHosts },
        // FFmpeg's memory, bounded: few threads, and an address-space cap where the OS has one.
        threads: media.ffmpegThreads ?? 2,
        memoryLimitBytes: media.ffmpegMemoryBytes ?? (fidelity === 'full' ? 4 : 2) * 2 ** 30,
      }),
      billing: new RenderBilling(pricing, ledger, accounts),
      webhooks,
      work,
      dataDir: files.dir,
      filesPath: files.urlPath,
      defaults,
      queueDelayMs: settings.queueDelayMs ?? 1000,
      workTimeoutMs: settings.workTimeoutMs,
      historyLimit: settings.historyLimit,
      fidelity,
      onTransition: jobEvents(events, policy.id),
    });

    register(jobs);

    return {
      handlers: {
        getRenderSchema: () => ({ status: 200, body: movieScriptSchema }),
        ...renderHandlers({
          jobs,
          templates,
          validateScript: (script) => validators.checkSchema(MOVIE_SCRIPT, script, validators.styleOf('submitRender')),
          unresolvedCode: policy.validation.body.code,
        }),
        ...jobs.handlers(),
        ...templateHandlers(templates),
        ...accountHandlers(policy, accounts, (key) => jobs.activeCount(key)),
      },
      async close() {
        await Promise.all([jobs.close(), webhooks.close()]);
      },
      views: {
        jobs: (filter) => jobs.list(filter),
        webhooks: (filter) => webhooks.list(filter).map((d) => ({ key: d.key, createdAt: Date.parse(d.createdAt), body: { ...d } })),
      },
    };
  },
};
