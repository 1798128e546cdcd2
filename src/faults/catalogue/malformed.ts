// malformed: the body is broken JSON (status and headers normal, Content-Length right).
import type { RequestDirective } from '../actions.ts';
import { flag } from './values.ts';

export const malformed: RequestDirective = {
  header: ['malformed'],
  keys: ['malformed'],
  fromHeader(action) {
    action.malformed = true;
  },
  fromObject(action, v, path) {
    if (flag(v, 'malformed', path)) action.malformed = true;
  },
  describe: (a) => (a.malformed ? 'malformed' : undefined),
};
