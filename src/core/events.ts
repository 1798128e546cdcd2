// What the sandbox tells about itself as it runs (finished requests, job transitions, webhook
// attempts, control changes): the face every part publishes through. The control API streams it
// (src/control/events.ts, server-sent events); nothing here knows who listens.

export const EVENT_TYPES = ['request', 'job', 'webhook', 'fault', 'clock', 'account', 'reset'] as const;
export type SandboxEventType = (typeof EVENT_TYPES)[number];

export interface EventPublisher {
  /** someone is (or was just) listening: build a costly payload only then */
  readonly active: boolean;
  publish(type: SandboxEventType, data: unknown): void;
}

/** A publisher nobody listens to (a sandbox without a control API, tests of one piece). */
export const NO_EVENTS: EventPublisher = { active: false, publish: () => undefined };
