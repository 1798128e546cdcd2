// What API modules hand their job engines and webhook dispatchers so the control API's event
// stream hears of job transitions and webhook attempts — one shape for every API.
import type { EventPublisher } from '../core/events.ts';
import type { Job } from '../jobs/lifecycle.ts';
import type { WebhookAttempt, WebhookDelivery } from '../webhooks/delivery.ts';

/** A JobEngine onTransition listener publishing `job` events. */
export function jobEvents(events: EventPublisher, api: string) {
  return (job: Job<unknown>, from: string | null, to: string): void => {
    if (events.active) events.publish('job', { api, key: job.owner, id: job.id, from, to, at: new Date(job.updatedAt).toISOString() });
  };
}

/** A WebhookDispatcher onAttempt listener publishing `webhook` events. */
export function webhookEvents(events: EventPublisher, api: string) {
  return (d: WebhookDelivery, attempt: WebhookAttempt): void => {
    if (events.active) events.publish('webhook', { api, key: d.key, id: d.id, subject: d.subject, event: d.event ?? null, url: d.url, status: d.status, attempt });
  };
}
