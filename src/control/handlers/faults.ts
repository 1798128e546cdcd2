// Fault rules: add (checked against the catalogues of the APIs they can reach), list, get, delete.
import type { Handler } from '../../engine/handler.ts';
import { DirectiveError } from '../../faults/directives.ts';
import { ruleView, type FaultRuleInput } from '../../faults/rules.ts';
import { invalid, notFound, type ControlScope } from '../scope.ts';

export function faultsHandlers(c: ControlScope): Record<string, Handler> {
  const { sandbox } = c;
  return {
    createFault: ({ body }) => {
      try {
        const rule = sandbox.faults.addRule(body as FaultRuleInput, sandbox.apis().map((a) => a.spec.policy));
        const view = ruleView(rule);
        sandbox.events.publish('fault', { change: 'added', id: rule.id, rule: view });
        return { status: 201, body: view };
      } catch (err) {
        if (err instanceof DirectiveError) throw invalid(err.message, err.path);
        throw err;
      }
    },
    listFaults: ({ query }) => ({
      status: 200,
      body: { data: sandbox.faults.rules.list().filter((r) => query.kind === undefined || r.kind === query.kind).map(ruleView) },
    }),
    getFault: ({ params }) => {
      const rule = sandbox.faults.rules.get(params.id!);
      if (!rule) throw notFound(`No fault rule ${params.id}.`);
      return { status: 200, body: ruleView(rule) };
    },
    deleteFault: ({ params }) => {
      if (!sandbox.faults.rules.remove(params.id!)) throw notFound(`No fault rule ${params.id}.`);
      sandbox.events.publish('fault', { change: 'deleted', id: params.id });
      return { status: 204 };
    },
    deleteFaults: () => {
      const deleted = sandbox.faults.rules.clear((_r) => true);
      sandbox.events.publish('fault', { change: 'cleared', deleted });
      return { status: 200, body: { deleted } };
    },
  };
}
