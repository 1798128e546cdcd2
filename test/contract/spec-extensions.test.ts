// The x- extensions the contract checks read are declared in the specs and checked at load: a
// typo fails loudly, and links must name operations that exist.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load as parseYaml, dump } from 'js-yaml';
import { expect, it } from 'vitest';
import { ROOT } from '../../src/paths.ts';
import { loadSpec } from '../../src/openapi/load.ts';
import { buildProfile } from '../../src/contract/profile.ts';

const dir = mkdtempSync(join(tmpdir(), 'spec-ext-'));
function variant(api: string, change: (doc: any) => void): string {
  const doc: any = parseYaml(readFileSync(join(ROOT, `openapi/${api}.yaml`), 'utf8'));
  change(doc);
  const file = join(dir, `${api}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, dump(doc));
  return file;
}

it('the profile reads resources from links, jobs, the balance view and the envelope', () => {
  const pf = buildProfile(loadSpec(join(ROOT, 'openapi/phantomflow.yaml')));
  const templates = pf.resources.find((r) => r.create.operationId === 'createTemplate')!;
  expect([templates.read?.target.operationId, templates.update?.target.operationId, templates.delete?.target.operationId, templates.list?.target.operationId]).toEqual(['getTemplate', 'replaceTemplate', 'deleteTemplate', 'listTemplates']);
  expect(templates.idPointer).toBe('/template_id');
  const render = pf.resources.find((r) => r.create.operationId === 'submitRender')!;
  expect(render.job?.read).toBe('GetJob');
  expect(render.read?.target.operationId).toBe('getJob');
  expect(pf.balance).toMatchObject({ pointer: '/credits_balance' });
  expect(pf.envelope).toEqual({ root: ['error'], code: 'code', message: 'message' });
  expect(pf.prerequisiteOf(pf.spec.operation('renderTemplate'))).toMatchObject({ source: { operationId: 'createTemplate' }, fields: { template_id: '/template_id' } });
  const sk = buildProfile(loadSpec(join(ROOT, 'openapi/sketchpen.yaml')));
  const videos = sk.resources.find((r) => r.create.operationId === 'createVideo')!;
  expect(videos.job?.actions).toEqual({ refining: 'ApproveVideo' });
  expect(videos.actions.map((a) => a.target.operationId)).toEqual(['approveVideo']);
  expect(sk.keyHeader).toBe('X-Api-Key');
});

it('a malformed x-sandbox-job, x-sandbox-balance or envelope fails the load, naming it', () => {
  const bad = [
    variant('phantomflow', (d) => (d.paths['/api/render'].post['x-sandbox-job'].succes = ['completed'])),
    variant('phantomflow', (d) => (d.paths['/api/account'].get['x-sandbox-balance'] = 'credits_balance')),
    variant('phantomflow', (d) => (d['x-sandbox'].errors.envelope = { root: '/error' })),
    variant('sketchpen', (d) => (d.paths['/videos'].post['x-sandbox-job'].read = 'NoSuchLink')),
    variant('sketchpen', (d) => (d.paths['/videos'].post.responses['201'].links.GetVideo.operationId = 'getVidoe')),
  ];
  const messages = bad.map((f) => {
    try {
      loadSpec(f);
      return 'loaded';
    } catch (err) {
      return (err as Error).message;
    }
  });
  expect(messages[0]).toMatch(/\/api\/render\/post\/x-sandbox-job: x-sandbox-job value\.succes is not a known key/);
  expect(messages[1]).toMatch(/\/api\/account\/get\/x-sandbox-balance: x-sandbox-balance value must match pattern/);
  expect(messages[2]).toMatch(/x-sandbox\.errors\.envelope must have required property 'code'/);
  expect(messages[3]).toMatch(/createVideo: x-sandbox-job names link NoSuchLink/);
  expect(messages[4]).toMatch(/createVideo 201: link GetVideo names no operation getVidoe/);
});
