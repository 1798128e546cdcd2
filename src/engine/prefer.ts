// Prism's `Prefer` header (`code=404, example=name, dynamic=true`; other preferences are ignored,
// RFC 7240): mock selection, not a fault. An error status answers the operation's documented error
// for it; another status, an example name or dynamic=true picks the spec's documented response.
import { documentedCodes, faultRequestError, injectedError, injectedStatus, type SynthesisContext } from './synthesize.ts';

export interface PreferDirectives {
  code?: number;
  example?: string;
  dynamic?: boolean;
}

/** The preferences read from the header; undefined when it asks for nothing the sandbox serves. */
export function parsePrefer(header: string | string[] | undefined): PreferDirectives | undefined {
  const text = Array.isArray(header) ? header.join(',') : header;
  if (!text) return undefined;
  const out: PreferDirectives = {};
  for (const raw of text.split(/[,;]/)) {
    const [name = '', value = ''] = raw.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    switch (name.toLowerCase()) {
      case 'code': {
        const n = /^\d{3}$/.test(value) ? Number(value) : NaN;
        if (!(n >= 200 && n <= 599)) throw new PreferError(`Prefer code: expected an HTTP status from 200 to 599, got ${JSON.stringify(value)}`);
        out.code = n;
        break;
      }
      case 'example':
        if (value) out.example = value;
        break;
      case 'dynamic':
        out.dynamic = value === '' || value === 'true';
        break;
    }
  }
  return Object.keys(out).length ? out : undefined;
}

export class PreferError extends Error {}

/**
 * What a preference means for this request: an error to answer with, or the mock selection to
 * answer from the spec with. A status the operation does not document is the caller's 400.
 */
export function resolvePreference(prefer: PreferDirectives, ctx: SynthesisContext): { error: Error } | { mock: PreferDirectives } {
  const code = prefer.code;
  if (code !== undefined && code >= 400) {
    const documented = documentedCodes(ctx.doc, ctx.op, code);
    return { error: documented[0] ? injectedError(documented[0], ctx) : injectedStatus(code, ctx) };
  }
  if (code !== undefined && !ctx.op?.responses[String(code)]) {
    const listed = Object.keys(ctx.op?.responses ?? {}).join(', ');
    return { error: faultRequestError(ctx.policy, `${ctx.op?.operationId ?? 'This operation'} documents no ${code} response (documented: ${listed}).`) };
  }
  return { mock: prefer };
}
