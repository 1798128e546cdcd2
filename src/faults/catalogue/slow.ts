// slow=MS: the body is dribbled out over this many milliseconds (other requests are not held up).
import type { RequestDirective } from '../actions.ts';
import { checkMs, needValue, parseMs } from './values.ts';

export const slow: RequestDirective = {
  header: ['slow'],
  keys: ['slow'],
  fromHeader(action, name, value, path) {
    action.slowMs = parseMs(needValue(name, value, path), `${path} slow`);
  },
  fromObject(action, v, path) {
    if (v.slow !== undefined) action.slowMs = typeof v.slow === 'string' ? parseMs(v.slow, `${path}.slow`) : checkMs(v.slow, `${path}.slow`);
  },
  describe: (a) => (a.slowMs !== undefined ? `slow=${a.slowMs}` : undefined),
};
