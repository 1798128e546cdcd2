// {webhook: drop | duplicate | reorder | bad_signature | delay, delay}: misdeliver a webhook.
import { DirectiveError, type WebhookFaultAction, type WebhookMisbehaviour } from '../actions.ts';
import { checkStageDelay } from './values.ts';

const KINDS: WebhookMisbehaviour[] = ['drop', 'duplicate', 'reorder', 'bad_signature', 'delay'];

export function parseWebhookAction(v: Record<string, unknown>, path: string): WebhookFaultAction {
  const extra = Object.keys(v).filter((k) => !['webhook', 'delay'].includes(k));
  if (extra.length) throw new DirectiveError(`${path}: a webhook fault takes webhook and delay; not ${extra.join(', ')}`, `${path}.${extra[0]}`);
  const list = Array.isArray(v.webhook) ? v.webhook : [v.webhook];
  const kinds = list.map((k, i) => {
    if (!KINDS.includes(k as WebhookMisbehaviour)) {
      throw new DirectiveError(`${path}.webhook: expected ${KINDS.join(', ')}, got ${JSON.stringify(k)}`, Array.isArray(v.webhook) ? `${path}.webhook.${i}` : `${path}.webhook`);
    }
    return k as WebhookMisbehaviour;
  });
  if (!kinds.length) throw new DirectiveError(`${path}.webhook: name at least one misbehaviour`, `${path}.webhook`);
  const action: WebhookFaultAction = { kind: 'webhook', webhook: [...new Set(kinds)] };
  if (v.delay !== undefined) action.delayMs = checkStageDelay(v.delay, `${path}.delay`);
  if (kinds.includes('delay') && action.delayMs === undefined) throw new DirectiveError(`${path}.delay: webhook "delay" needs delay (ms)`, `${path}.delay`);
  if (action.delayMs !== undefined && !action.webhook.includes('delay')) action.webhook.push('delay');
  return action;
}

export function describeWebhook(a: WebhookFaultAction): string {
  return [`webhook=${a.webhook.join('+')}`, a.delayMs !== undefined && `delay=${a.delayMs}`].filter(Boolean).join(',');
}
