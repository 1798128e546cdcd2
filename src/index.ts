// The public entry point of the package (a later issue fills in startSandbox and the contract
// runner): the sandbox and the types an embedding program needs.
export { createSandbox, defaultSpecFiles, type Sandbox, type SandboxOptions } from './sandbox.ts';
export type { ApiModule, ModuleEnv, ApiInstance, JobSettings, MediaSettings } from './engine/module.ts';
export type { ResetScope, ResetResult } from './control/context.ts';
export type { ResponseRecord } from './engine/runtime.ts';
