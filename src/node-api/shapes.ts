// The control API's shapes by name, from the types generated out of openapi/sandbox-admin.yaml
// (control-types.ts, `npm run gen:control-types`): what every control method takes and returns.
import type { components, operations } from './control-types.ts';

type Schemas = components['schemas'];
type QueryOf<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;

export type Health = Schemas['Health'];
export type ResetRequest = Schemas['ResetRequest'];
export type ResetResult = Schemas['ResetResult'];
export type Account = Schemas['Account'];
export type AccountPatch = Schemas['AccountPatch'];
export type Ledger = Schemas['Ledger'];
export type LedgerEntry = Schemas['LedgerEntry'];
export type FaultRuleInput = Schemas['FaultRuleInput'];
export type FaultRule = Schemas['FaultRule'];
export type FaultRuleList = Schemas['FaultRuleList'];
export type FaultAction = Schemas['FaultAction'];
export type FaultMatch = Schemas['FaultMatch'];
export type Deleted = Schemas['Deleted'];
export type ClockState = Schemas['ClockState'];
export type ClockSet = Schemas['ClockSet'];
export type ClockAdvanced = Schemas['ClockAdvanced'];
export type RequestList = Schemas['RequestList'];
export type LoggedRequest = Schemas['LoggedRequest'];
export type JobList = Schemas['JobList'];
export type JobView = Schemas['JobView'];
export type WebhookDeliveryList = Schemas['WebhookDeliveryList'];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type ControlErrorBody = Schemas['Error'];
export type AccountList = Schemas['AccountList'];
export type SessionTokenRequest = Schemas['SessionTokenRequest'];
export type SessionToken = Schemas['SessionToken'];
export type RequestDetail = Schemas['RequestDetail'];
export type SpecList = Schemas['SpecList'];
/** A served API's OpenAPI document as GET /__sandbox/specs/{api} gives it (servers pointing here). */
export type SpecDocument = operations['getSpec']['responses'][200]['content']['application/json'];

/** The JSON `data` of each event type of GET /__sandbox/events. */
export interface SandboxEventMap {
  request: LoggedRequest;
  job: Schemas['JobEvent'];
  webhook: Schemas['WebhookEvent'];
  fault: Schemas['FaultEvent'];
  clock: ClockState;
  account: Schemas['AccountEvent'];
  reset: ResetResult;
  ready: Schemas['ReadyEvent'];
  heartbeat: Schemas['HeartbeatEvent'];
  resync: Schemas['ResyncEvent'];
  overflow: Schemas['OverflowEvent'];
}
/** One event of the stream: its type, its id (none on heartbeats and notices) and its data. */
export type SandboxEvent = { [T in keyof SandboxEventMap]: { type: T; id: number | undefined; data: SandboxEventMap[T] } }[keyof SandboxEventMap];
/** The event types a stream can be narrowed to (ready, heartbeat, resync and overflow always come). */
export type { SandboxEventType } from '../core/events.ts';

export type AccountQuery = QueryOf<'getAccount'>;
export type AccountListQuery = QueryOf<'listAccounts'>;
export type FaultQuery = QueryOf<'listFaults'>;
export type RequestQuery = QueryOf<'listRequests'>;
export type JobQuery = QueryOf<'listJobs'>;
export type WebhookQuery = QueryOf<'listWebhooks'>;
