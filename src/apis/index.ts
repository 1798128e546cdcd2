// The API modules this toolkit ships, by the id their spec declares in x-sandbox.id.
import type { ApiModule } from './module.ts';
import { phantomflow } from './phantomflow/index.ts';
import { sandboxAdmin } from '../control/index.ts';

export const apiModules: Record<string, ApiModule> = {
  [phantomflow.id]: phantomflow,
  // The control API (/__sandbox) binds to openapi/sandbox-admin.yaml like any API module.
  [sandboxAdmin.id]: sandboxAdmin,
};
