// error=CODE: answer with a catalogue code, its documented status and envelope (message: its text).
import { DirectiveError, type RequestDirective } from '../actions.ts';
import { needValue, parseCode } from './values.ts';

export const error: RequestDirective = {
  header: ['error'],
  keys: ['error', 'message'],
  fromHeader(action, name, value, path) {
    action.error = parseCode(needValue(name, value, path), `${path} error`);
  },
  fromObject(action, v, path) {
    if (v.error !== undefined) action.error = parseCode(v.error, `${path}.error`);
    if (v.message !== undefined) {
      if (typeof v.message !== 'string') throw new DirectiveError(`${path}.message: expected a string`, `${path}.message`);
      action.message = v.message;
    }
  },
  describe: (a) => (a.error ? `error=${a.error}` : undefined),
};
