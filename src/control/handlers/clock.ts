// The sandbox clock: read, set the mode (real, scaled, manual), advance.
import type { Handler } from '../../engine/handler.ts';
import type { ClockMode } from '../../core/clock.ts';
import { invalid, type ControlScope } from '../scope.ts';

export function clockHandlers(c: ControlScope): Record<string, Handler> {
  const { clock, sandbox } = c;
  return {
    getClock: () => ({ status: 200, body: clock.state() }),
    setClock: ({ body }) => {
      const { mode, scale } = body as { mode: ClockMode; scale?: number };
      if (mode === 'scaled' && scale === undefined) throw invalid('scale: scaled mode needs a scale (e.g. 10 for ten times faster)', 'scale');
      clock.set(mode, scale);
      const state = clock.state();
      sandbox.events.publish('clock', state);
      return { status: 200, body: state };
    },
    advanceClock: ({ body }) => {
      const { seconds, ms } = body as { seconds?: number; ms?: number };
      const advancedMs = (seconds ?? 0) * 1000 + (ms ?? 0);
      if (!Number.isFinite(advancedMs) || advancedMs > 315_360_000_000) throw invalid('seconds: at most ten years at a time', 'seconds');
      clock.advance(advancedMs);
      const state = { ...clock.state(), advancedMs };
      sandbox.events.publish('clock', state);
      return { status: 200, body: state };
    },
  };
}
