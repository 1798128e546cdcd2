// How long each state of a video holds on the sandbox clock, from the spec's timing profiles
// (x-sandbox.timing): fast by default, realistic on request. A range is drawn per video (by its
// creation number) and state from the sandbox seed, so the same seed and the same traffic replay
// the same timings.
import { SeededRandom } from '../../core/random.ts';
import type { HoldSeconds, TimingPolicy } from '../../openapi/policy.ts';

export interface Timing {
  profile: string;
  /** sandbox ms `state` holds for the video created `seq`-th (0 when the profile says nothing) */
  holdMs(state: string, seq: number): number;
  /** the profile's mean hold of a state, ms (for estimates) */
  meanMs(state: string): number;
}

export function timingFrom(policy: TimingPolicy | undefined, requested: string | undefined, seed: number | string, states: string[]): Timing {
  const profiles = policy?.profiles ?? {};
  const profile = requested ?? policy?.default ?? 'fast';
  const holds: Record<string, HoldSeconds> | undefined = profiles[profile];
  if (!holds) throw new Error(`unknown timing profile "${profile}"; the spec's x-sandbox.timing has: ${Object.keys(profiles).join(', ') || 'none'}`);
  const stray = Object.keys(holds).filter((s) => !states.includes(s));
  if (stray.length) throw new Error(`x-sandbox.timing.profiles.${profile} names states the lifecycle lacks: ${stray.join(', ')}`);
  const range = (state: string): [number, number] => {
    const h = holds[state] ?? 0;
    return Array.isArray(h) ? h : [h, h];
  };
  return {
    profile,
    holdMs(state, seq) {
      const [min, max] = range(state);
      const seconds = min === max ? min : new SeededRandom(`${seed}:${seq}:${state}`).uniform(min, max);
      return Math.round(seconds * 1000);
    },
    meanMs(state) {
      const [min, max] = range(state);
      return ((min + max) / 2) * 1000;
    },
  };
}
