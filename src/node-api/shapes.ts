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

export type AccountQuery = QueryOf<'getAccount'>;
export type FaultQuery = QueryOf<'listFaults'>;
export type RequestQuery = QueryOf<'listRequests'>;
export type JobQuery = QueryOf<'listJobs'>;
export type WebhookQuery = QueryOf<'listWebhooks'>;
