// truncate: Content-Length announces the whole body, half is sent, then the connection closes.
import type { RequestDirective } from '../actions.ts';
import { flag } from './values.ts';

export const truncate: RequestDirective = {
  header: ['truncate'],
  keys: ['truncate'],
  fromHeader(action) {
    action.truncate = true;
  },
  fromObject(action, v, path) {
    if (flag(v, 'truncate', path)) action.truncate = true;
  },
  describe: (a) => (a.truncate ? 'truncate' : undefined),
};
