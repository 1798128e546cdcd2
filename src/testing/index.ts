// video-api-sandbox/testing: what a test framework's own hooks cannot do in one line. A vitest
// globalSetup that starts one sandbox for the whole run and hands its URLs to every test file
// (through provide/inject and the environment); test files reach it with connectSandbox().
import { startSandbox, type StartSandboxOptions } from '../node-api/start.ts';

/** The key under which the globalSetup provides the sandbox: `inject('videoApiSandbox')`. */
export const PROVIDE_KEY = 'videoApiSandbox';
/** The environment variable with the sandbox's root URL (connectSandbox() reads it). */
export const URL_ENV = 'VIDEO_API_SANDBOX_URL';

export interface ProvidedSandbox {
  url: string;
  /** per API id, the base URL its client configures */
  urls: Record<string, string>;
}

/** VIDEO_API_SANDBOX_<API>_URL: the base URL of one API (phantomflow → VIDEO_API_SANDBOX_PHANTOMFLOW_URL). */
export function apiUrlEnv(api: string): string {
  return `VIDEO_API_SANDBOX_${api.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;
}

/** What vitest passes a globalSetup function (its TestProject; only provide() is used). */
export interface GlobalSetupProject {
  provide(key: string, value: unknown): void;
}

/**
 * A vitest globalSetup: `export default vitestGlobalSetup({ apis: ['phantomflow'], clock: 'manual' })`
 * in a file listed under `test.globalSetup`. One sandbox for the run, closed when it ends.
 */
export function vitestGlobalSetup(options: StartSandboxOptions = {}) {
  return async function setup(project?: GlobalSetupProject): Promise<() => Promise<void>> {
    const sb = await startSandbox(options);
    const provided: ProvidedSandbox = { url: sb.url, urls: sb.urls };
    project?.provide(PROVIDE_KEY, provided);
    // Workers start after the globalSetup and inherit the environment.
    process.env[URL_ENV] = sb.url;
    for (const [id, url] of Object.entries(sb.urls)) process.env[apiUrlEnv(id)] = url;
    return async () => {
      await sb.close();
      delete process.env[URL_ENV];
      for (const id of Object.keys(sb.urls)) delete process.env[apiUrlEnv(id)];
    };
  };
}
