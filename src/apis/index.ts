// The API modules this toolkit ships, by the id their spec declares in x-sandbox.id.
import type { ApiModule } from '../engine/module.ts';
import { phantomflow } from './phantomflow/index.ts';
import { sketchpen } from './sketchpen/index.ts';

export const apiModules: Record<string, ApiModule> = {
  [phantomflow.id]: phantomflow,
  [sketchpen.id]: sketchpen,
};
