// Slack's side of HTTP mode: sends a payload to the app's request URL, signed the way Slack signs
// (`v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}`), with the body encoding Slack uses per kind.
import { createHmac } from 'node:crypto';
import type { EnvelopeType } from './socket-mode-server.js';

const MS_PER_SECOND = 1000;

export function signSlackRequest(signingSecret: string, timestampSec: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${body}`).digest('hex')}`;
}

export interface HttpDeliveryOptions {
  readonly signingSecret: string;
  /** Defaults to now; an old value models a replayed (stale) request. */
  readonly timestampSec?: number;
  /** Replaces the computed signature, to model a forged request. */
  readonly signature?: string;
  /** `X-Slack-Retry-Num`, for a redelivered event. */
  readonly retryNum?: number;
  readonly retryReason?: string;
}

export interface HttpDeliveryResult {
  readonly status: number;
  readonly body: string;
  readonly ms: number;
}

function encode(kind: EnvelopeType, payload: object): { body: string; contentType: string } {
  switch (kind) {
    case 'slash_commands':
      return {
        body: new URLSearchParams(payload as Record<string, string>).toString(),
        contentType: 'application/x-www-form-urlencoded',
      };
    case 'interactive':
      return {
        body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
        contentType: 'application/x-www-form-urlencoded',
      };
    case 'events_api':
      return { body: JSON.stringify(payload), contentType: 'application/json' };
  }
}

export async function deliverOverHttp(
  url: string,
  kind: EnvelopeType,
  payload: object,
  options: HttpDeliveryOptions,
): Promise<HttpDeliveryResult> {
  const { body, contentType } = encode(kind, payload);
  const timestampSec = options.timestampSec ?? Math.floor(Date.now() / MS_PER_SECOND);
  const headers: Record<string, string> = {
    'content-type': contentType,
    'x-slack-request-timestamp': String(timestampSec),
    'x-slack-signature': options.signature ?? signSlackRequest(options.signingSecret, timestampSec, body),
  };
  if (options.retryNum !== undefined) headers['x-slack-retry-num'] = String(options.retryNum);
  if (options.retryReason !== undefined) headers['x-slack-retry-reason'] = options.retryReason;
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, body: text, ms: performance.now() - started };
}
