// The contract checker's public surface: run it, listen to its events, report them.
export { runContract, type RunResult } from './runner.ts';
export { contractCommand, contractUsage } from './cli.ts';
export { UsageError, type ContractOptions } from './options.ts';
export { ALL_CHECKS, checkNamed } from './checks/index.ts';
export { groupResults, type ContractEvent, type CheckEvent, type Summary, type Coverage } from './events.ts';
export { consoleReporter } from './reporters/console.ts';
export { junitXml, junitReporter } from './reporters/junit.ts';
export { jsonDocument, jsonReporter, ndjsonReporter } from './reporters/json.ts';
