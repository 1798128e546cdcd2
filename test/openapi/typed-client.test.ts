// A typed client generated from the served spec with a mainstream generator (openapi-typescript)
// must type-check code written the way the API is used: element tags are "text", "image", …,
// export tags "s3", "email", … — not the component names a discriminator without mapping yields.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';

let sb: RunningSandbox;
const dir = mkdtempSync(join(tmpdir(), 'typed-client-'));
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Type errors of `client` compiled against the types generated from the served spec of `api`. */
async function typeErrors(api: string, client: string): Promise<string[]> {
  const spec = await (await fetch(`${sb.url}/__sandbox/specs/${api}`)).json();
  // defaultNonNullable: false — the generator's documented setting for request bodies (by default
  // a field with a default is typed as always present, which is true of responses only).
  const types = astToString(await openapiTS(spec, { defaultNonNullable: false }));
  writeFileSync(join(dir, `${api}.d.ts`), types);
  const file = join(dir, `client-${api}-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, `import type { components } from './${api}.d.ts';\n${client}\n`);
  const program = ts.createProgram([file], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, allowImportingTsExtensions: true, skipLibCheck: true, types: [] });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('PhantomFlow types from openapi-typescript', () => {
  it('a movie script with element tags as the API uses them type-checks', async () => {
    const errors = await typeErrors(
      'phantomflow',
      `type S = components['schemas']['MovieScript'];
const script: S = {
  scenes: [{ duration: 2, elements: [
    { type: 'text', text: 'Hello' },
    { type: 'image', src: 'fixtures/media/testpattern.png' },
    { type: 'video', src: 'fixtures/media/clip-2s.mp4' },
    { type: 'audio', src: 'fixtures/media/tone-1s.wav' },
  ] }],
  exports: [{ type: 's3', bucket: 'my-renders' }, { type: 'email', to: 'a@example.com' }, { type: 'youtube' }, { type: 'ftp', host: 'ftp.example.com' }],
};
const el: components['schemas']['Element'] = { type: 'text', text: 'x' };
if (el.type === 'text') el.text.toUpperCase();
export { script };`,
    );
    expect(errors).toEqual([]);
  }, 60_000);

  it('and a component name as a tag does not', async () => {
    const errors = await typeErrors('phantomflow', `export const el: components['schemas']['Element'] = { type: 'TextElement', text: 'x' };`);
    expect(errors.join('\n')).toMatch(/TextElement/);
  }, 60_000);
});
