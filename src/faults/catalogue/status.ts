// status=NNN: answer with this status (a 4xx/5xx as the catalogue code that has it; a 2xx as the
// operation's documented response for it).
import type { RequestDirective } from '../actions.ts';
import { needValue, parseStatus } from './values.ts';

export const status: RequestDirective = {
  header: ['status'],
  keys: ['status'],
  fromHeader(action, name, value, path) {
    action.status = parseStatus(needValue(name, value, path), `${path} status`);
  },
  fromObject(action, v, path) {
    if (v.status !== undefined) action.status = parseStatus(v.status, `${path}.status`);
  },
  describe: (a) => (a.status ? `status=${a.status}` : undefined),
};
