// The control API's TypeScript shapes (src/node-api/control-types.ts) are generated from
// openapi/sandbox-admin.yaml and committed; regenerated here with the pinned openapi-typescript,
// they must come out byte for byte the same, so the types cannot drift from the spec.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { WebhookDelivery } from '../../src/node-api/shapes.ts';
import { ROOT } from '../../src/paths.ts';
import type { DeliveryStatus } from '../../src/webhooks/delivery.ts';

// The spec's enums of what the engine reports, held to the engine's own types (tsc fails otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const deliveryStatuses: Same<DeliveryStatus, WebhookDelivery['status']> = true;
void deliveryStatuses;

it('control-types.ts is what `npm run gen:control-types` makes of the spec today', () => {
  const dir = mkdtempSync(join(tmpdir(), 'control-types-'));
  try {
    const out = join(dir, 'control-types.ts');
    const script = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['gen:control-types'] as string;
    const args = script.replace(/^openapi-typescript\s+/, '').replace('src/node-api/control-types.ts', out).split(/\s+/);
    const run = spawnSync(join(ROOT, 'node_modules/.bin/openapi-typescript'), args, { cwd: ROOT, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const committed = readFileSync(join(ROOT, 'src/node-api/control-types.ts'), 'utf8');
    expect(readFileSync(out, 'utf8') === committed, 'src/node-api/control-types.ts is stale: run `npm run gen:control-types` and commit it').toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
