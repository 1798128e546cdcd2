// PhantomFlow: JSON movie script → MP4. Only what is PhantomFlow's own lives here; it composes
// the engine's generic pieces (job lifecycle, work pool, webhook delivery, ledger, validation).
//   account.ts       GET /api/account
//   templates.ts     template CRUD and visibility
//   placeholders.ts  {{variable}} filling
//   render.ts        POST /api/render, POST /api/render/template
//   jobs.ts          the render lifecycle, job objects, listing, settle/refund + webhook at the end
//   billing.ts       estimate, reservation, settlement, refund
import type { ApiModule } from '../module.ts';
import { FILES_PREFIX } from '../../http/files.ts';
import { WorkPool } from '../../jobs/pool.ts';
import { durationPricingFrom } from '../../policy/pricing.ts';
import { bundleSchema, resolvePointer } from '../../spec/refs.ts';
import { webhookPolicyFrom, WebhookDispatcher } from '../../webhooks/delivery.ts';
import { accountHandlers } from './account.ts';
import { RenderBilling } from './billing.ts';
import { RenderJobs } from './jobs.ts';
import { renderHandlers } from './render.ts';
import { createRenderer } from '../../render/index.ts';
import { TemplateStore, templateHandlers } from './templates.ts';
import { jobEvents, webhookEvents } from '../../control/module-events.ts';

const MOVIE_SCRIPT = '#/components/schemas/MovieScript';

/** Catalogue codes this module raises itself; checked against the spec at start-up. */
const OWN_CODES = ['NOT_FOUND', 'FORBIDDEN', 'TEMPLATE_NOT_FOUND', 'INSUFFICIENT_CREDITS', 'RENDER_FAILED'];

export const phantomflow: ApiModule = {
  id: 'phantomflow',
  create({ spec, accounts, clock, ledger, validators, faults, dataDir, settings = {}, sandbox }) {
    const { policy } = spec;
    const missing = OWN_CODES.filter((c) => !policy.errors.catalogue[c]);
    if (missing.length) throw new Error(`phantomflow: the spec's catalogue lacks ${missing.join(', ')}`);
    const pricing = durationPricingFrom(policy.raw.credits);
    if (!pricing) throw new Error('phantomflow: x-sandbox.credits needs {perSecond, rounding}');

    // Generated once from the spec's own component: the schema clients validate with is, by
    // construction, the one the server validates with.
    const movieScriptSchema = bundleSchema(spec.doc, MOVIE_SCRIPT, {
      $id: 'https://api.phantomflow.dev/api/render/schema',
      title: 'PhantomFlow movie script',
    });
    const defaultOf = (prop: string, fallback: number): number => {
      const d = (resolvePointer(spec.doc, `${MOVIE_SCRIPT}/properties/${prop}`) as { default?: unknown }).default;
      return typeof d === 'number' ? d : fallback;
    };

    const templates = new TemplateStore(() => clock.now());
    const webhooks = new WebhookDispatcher({
      api: policy.id,
      clock,
      faults,
      policy: webhookPolicyFrom(policy.raw.webhooks),
      timeoutMs: settings.webhookTimeoutMs,
      historyLimit: settings.webhookHistoryLimit,
      onAttempt: webhookEvents(sandbox?.events, policy.id),
    });
    const jobs = new RenderJobs({
      policy,
      accounts,
      clock,
      faults,
      renderer: createRenderer({ outputDir: dataDir, fidelity: settings.renderFidelity, fetch: { allowHosts: settings.sourceHosts } }),
      billing: new RenderBilling(pricing, ledger, accounts),
      webhooks,
      pool: new WorkPool(settings.workConcurrency ?? 2),
      dataDir,
      filesPath: `${FILES_PREFIX}/${policy.id}`,
      defaults: { width: defaultOf('width', 1920), height: defaultOf('height', 1080), fps: defaultOf('fps', 30) },
      queueDelayMs: settings.queueDelayMs ?? 1000,
      workTimeoutMs: settings.workTimeoutMs,
      historyLimit: settings.historyLimit,
      onTransition: jobEvents(sandbox?.events, policy.id),
    });

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
      reset(key) {
        jobs.reset(key);
        templates.reset(key);
        webhooks.reset(key);
      },
      close() {
        jobs.close();
        webhooks.close();
      },
      views: {
        jobs: (filter) => jobs.list(filter),
        webhooks: (filter) => webhooks.list(filter),
      },
    };
  },
};
