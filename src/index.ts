// The public entry point of the package: startSandbox() for a test suite in this process,
// connectSandbox() for one started elsewhere, the control API's shapes and errors, and the
// engine (createSandbox) with the types an embedding program needs.
export { startSandbox, connectSandbox, DEFAULT_CLOCK_SCALE, type StartSandboxOptions, type RunningSandbox, type ConnectedSandbox } from './node-api/start.ts';
export type { ControlMethods, ControlClient } from './node-api/control-client.ts';
export { SandboxControlError } from './node-api/control-error.ts';
export type { EventStream, EventStreamOptions } from './node-api/event-stream.ts';
export type * from './node-api/shapes.ts';
export type { paths as ControlApiPaths, components as ControlApiComponents, operations as ControlApiOperations } from './node-api/control-types.ts';
export { createSandbox, defaultSpecFiles, type Sandbox, type SandboxOptions } from './sandbox.ts';
export type { ClockMode } from './core/clock.ts';
export type { ApiModule, ModuleEnv, ApiInstance, JobSettings, MediaSettings } from './engine/module.ts';
export type { ResetScope } from './control/context.ts';
export type { ResponseRecord } from './engine/runtime.ts';
