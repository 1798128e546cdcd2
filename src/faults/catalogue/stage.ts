// {stage, fail, message, delay}: fail or slow down a job's lifecycle stage (render, image, audio, …).
import { DirectiveError, type PipelineFaultAction } from '../actions.ts';
import { checkStageDelay, parseCode } from './values.ts';

export const STAGE_KEYS = ['stage', 'fail', 'message', 'delay'];

export function parseStageAction(v: Record<string, unknown>, path: string): PipelineFaultAction {
  const extra = Object.keys(v).filter((k) => !STAGE_KEYS.includes(k));
  if (extra.length) throw new DirectiveError(`${path}: a pipeline fault takes stage, fail, message and delay; not ${extra.join(', ')}`, `${path}.${extra[0]}`);
  if (typeof v.stage !== 'string' || !/^(\*|[a-z][a-z0-9_-]*)$/i.test(v.stage)) throw new DirectiveError(`${path}.stage: expected a stage name such as render`, `${path}.stage`);
  const action: PipelineFaultAction = { kind: 'pipeline', stage: v.stage };
  if (v.fail !== undefined) {
    if (v.message !== undefined && typeof v.message !== 'string') throw new DirectiveError(`${path}.message: expected a string`, `${path}.message`);
    action.fail = { code: parseCode(v.fail, `${path}.fail`), ...(typeof v.message === 'string' ? { message: v.message } : {}) };
  }
  if (v.delay !== undefined) action.delayMs = checkStageDelay(v.delay, `${path}.delay`);
  if (!action.fail && action.delayMs === undefined) throw new DirectiveError(`${path}: a pipeline fault needs fail (a code) or delay (ms)`, path);
  return action;
}

export function describeStage(a: PipelineFaultAction): string {
  return [`stage=${a.stage}`, a.fail && `fail=${a.fail.code}`, a.delayMs !== undefined && `delay=${a.delayMs}`].filter(Boolean).join(',');
}
