// The points where stateful modules (job lifecycles, webhook delivery) ask whether a fault
// applies. The fault-rule engine implements these; modules only consult them, so a module never
// needs to know how faults are configured.

export interface PipelineFaultQuery {
  api: string;
  key: string;
  jobId: string;
  /** the lifecycle stage about to run, e.g. render (PhantomFlow) or image/audio (Sketchpen) */
  stage: string;
}

export interface PipelineFault {
  /** fail the stage with this catalogue code (refunds follow the module's rules) */
  fail?: { code: string; message?: string };
  /** slow the stage down by this many sandbox milliseconds */
  delayMs?: number;
}

export interface WebhookFaultQuery {
  api: string;
  key: string;
  /** the resource the delivery is about (job id, video id) */
  subject: string;
  url: string;
  event?: string;
  attempt: number;
}

export interface WebhookFault {
  drop?: boolean;
  delayMs?: number;
  duplicate?: boolean;
  /** hold this delivery back until the next one to the same URL has gone out */
  reorder?: boolean;
  badSignature?: boolean;
}

export interface FaultHooks {
  pipeline(query: PipelineFaultQuery): PipelineFault | undefined;
  webhook(query: WebhookFaultQuery): WebhookFault | undefined;
}
