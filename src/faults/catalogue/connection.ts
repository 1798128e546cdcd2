// reset | empty: break the connection instead of answering — reset sends RST (ECONNRESET), empty
// closes it cleanly without a response. The two exclude each other.
import { DirectiveError, type RequestDirective, type RequestFaultAction } from '../actions.ts';
import { flag } from './values.ts';

function set(action: RequestFaultAction, how: 'reset' | 'empty', path: string): void {
  if (action.connection && action.connection !== how) throw new DirectiveError(`${path}: reset and empty exclude each other`, path);
  action.connection = how;
}

export const connection: RequestDirective = {
  header: ['reset', 'empty'],
  keys: ['reset', 'empty'],
  fromHeader(action, name, _value, path) {
    set(action, name as 'reset' | 'empty', path);
  },
  fromObject(action, v, path) {
    for (const how of ['reset', 'empty'] as const) if (flag(v, how, path)) set(action, how, path);
  },
  describe: (a) => a.connection,
};
