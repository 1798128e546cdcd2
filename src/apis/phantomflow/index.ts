// PhantomFlow: JSON movie script → MP4. Only what is PhantomFlow's own lives here.
import type { ApiModule } from '../module.ts';
import { bundleSchema } from '../../spec/refs.ts';

export const phantomflow: ApiModule = {
  id: 'phantomflow',
  create({ spec }) {
    // Generated once from the spec's own component: the schema clients validate with is, by
    // construction, the one the server validates with.
    const movieScriptSchema = bundleSchema(spec.doc, '#/components/schemas/MovieScript', {
      $id: 'https://api.phantomflow.dev/api/render/schema',
      title: 'PhantomFlow movie script',
    });
    return {
      handlers: {
        getRenderSchema: () => ({ status: 200, body: movieScriptSchema }),
      },
    };
  },
};
