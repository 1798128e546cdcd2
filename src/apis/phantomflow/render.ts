// The two ways to start a render: a movie script (POST /api/render, validated on the request path) or
// a stored template filled with variables (POST /api/render/template, validated here after filling).
import { ApiError } from '../../core/errors.ts';
import type { Handler } from '../../engine/handler.ts';
import type { MovieScriptLike, RenderJobs } from './jobs.ts';
import { fillPlaceholders, UnresolvedPlaceholder, type VariableValue } from './placeholders.ts';
import type { TemplateStore } from './templates.ts';

export interface RenderHandlerDeps {
  jobs: RenderJobs;
  templates: TemplateStore;
  /** validates a filled-in script as a MovieScript; throws the API's schema error */
  validateScript: (script: unknown) => void;
  /** the code for a placeholder left without a value (the API's body-validation code) */
  unresolvedCode: string;
}

export function renderHandlers({ jobs, templates, validateScript, unresolvedCode }: RenderHandlerDeps): Record<string, Handler> {
  return {
    submitRender: ({ account, body, baseUrl }) => ({ status: 202, body: jobs.submit(account, body as MovieScriptLike, { baseUrl }) }),
    renderTemplate: ({ account, body, baseUrl }) => {
      const { template_id: id, variables = {} } = body as { template_id: string; variables?: Record<string, VariableValue> };
      const { found } = templates.visible(account.key, id);
      if (!found) throw new ApiError('TEMPLATE_NOT_FOUND', `Template ${id} does not exist.`);
      let script: unknown;
      try {
        script = fillPlaceholders(found.script, variables);
      } catch (err) {
        if (!(err instanceof UnresolvedPlaceholder)) throw err;
        throw new ApiError(unresolvedCode, `${err.message}: pass it in variables.${err.variable}`, { extra: { path: err.path.join('.') } });
      }
      validateScript(script);
      return { status: 202, body: jobs.submit(account, script as MovieScriptLike, { templateId: found.id, baseUrl }) };
    },
  };
}
