// Webhook signatures, configured by `x-sandbox.webhooks.signature` (decision 002): HMAC of the raw
// body with the subscription's secret, sent in a header. Without the block deliveries are unsigned.
import { createHmac } from 'node:crypto';
import type { SignatureConfig } from '../openapi/policy.ts';


/** Signs a raw body with a secret; returns the header to add. */
export type Signer = (body: string, secret: string) => { header: string; value: string };

export function createSigner(config: SignatureConfig | undefined): Signer | undefined {
  if (!config) return undefined;
  if (config.algorithm !== 'hmac-sha256') throw new Error(`unsupported webhook signature algorithm ${String(config.algorithm)}`);
  const encoding = config.encoding ?? 'hex';
  return (body, secret) => ({ header: config.header, value: createHmac('sha256', secret).update(body).digest(encoding) });
}
