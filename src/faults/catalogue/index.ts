// The fault menu. A new request fault is one file here (its header and object forms, its
// description) plus, for what it does to a response, a case in src/engine/stages/faults.ts or the
// transport; a new stage or webhook misbehaviour extends stage.ts or webhook.ts.
import type { RequestDirective } from '../actions.ts';
import { connection } from './connection.ts';
import { error } from './error.ts';
import { latency } from './latency.ts';
import { malformed } from './malformed.ts';
import { slow } from './slow.ts';
import { status } from './status.ts';
import { truncate } from './truncate.ts';

/** In the order the header form describes an action back. */
export const REQUEST_DIRECTIVES: RequestDirective[] = [latency, error, status, connection, malformed, truncate, slow];

export { parseLatency } from './latency.ts';
export { describeStage, parseStageAction } from './stage.ts';
export { describeWebhook, parseWebhookAction } from './webhook.ts';
export { MAX_DELAY_MS, MAX_STAGE_DELAY_MS } from './values.ts';
