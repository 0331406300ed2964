// Provider: delivers each text event as a JSON POST to the `url` in config, with fetch over
// wasi:http (the host lets it reach only the manifest's allowed_hosts). 408, 429 and 5xx
// answers and network failures are retryable, other failures are not; a Retry-After is passed
// on to the host's retry policy.

import { DeliveryError, config, log, receipt, textOf } from 'roomkit-sdk';

export async function deliver(event, binding) {
  const url = config.require('url');
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: binding.participantId ?? binding.channelId, text: textOf(event) ?? '' }),
    });
  } catch (e) {
    throw DeliveryError.retryable(`POST ${url}: ${e.message ?? e}`);
  }
  if (!response.ok) {
    throw DeliveryError.fromStatus(response.status, {
      message: `POST ${url}: status ${response.status}`,
      retryAfter: response.headers.get('retry-after'),
    });
  }
  const id = response.headers.get('x-message-id') ?? undefined;
  log.debug(`delivered event ${event.id} as ${id}`);
  return receipt(id);
}

// verifySignature and parseWebhook are left out: the SDK answers "no webhooks".
