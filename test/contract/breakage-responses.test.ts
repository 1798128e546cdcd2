// The checker catches broken responses: headers, statuses, codes, content types, schemas, 5xx.
// (A proxy in front of a real sandbox breaks one rule at a time; see test/support/breaking-proxy.ts.)
import { defineBreakageTests } from '../support/breakage-suite.ts';

defineBreakageTests(['drop-rate-limit-header', 'remaining-above-limit', 'wrong-status', 'renamed-code', 'missing-retry-after', 'body-not-matching-schema', 'wrong-content-type', 'wrong-allow', 'server-error'], true);
