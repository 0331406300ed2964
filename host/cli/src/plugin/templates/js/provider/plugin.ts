// {{name}}: a provider that delivers the text of each event as an HTTP POST to the URL of its
// `url` setting, with fetch over wasi:http. The host lets the request out only to a host
// listed in the manifest's `allowed_hosts`. 2xx is delivered; 408, 429, 5xx and network
// failures are retryable (a `Retry-After` goes to the host's retry policy); other statuses are
// permanent failures. It takes no webhooks: to take them, export
// `verifySignature(request): boolean` and `parseWebhook(request)`, answering
// `webhookResult({ messages, statusUpdates, response })` (or `webhookReply(webhookResponse(…))`).
// Build: roomkit plugin build DIR (the component and its manifest land in DIR/dist).

import type { BindingView, DeliveryReceipt, RoomEvent } from 'roomkit:plugin/types@0.2.0';
import { DeliveryError, config, receipt, texts } from 'roomkit-sdk';

export async function deliver(event: RoomEvent, binding: BindingView): Promise<DeliveryReceipt> {
  const url = config.get('url');
  if (url === undefined) throw DeliveryError.permanent('config `url` is not set');
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'x-roomkit-channel': binding.channelId,
        'idempotency-key': event.id,
      },
      body: texts(event.content).join('\n'),
    });
  } catch (e) {
    throw DeliveryError.retryable(`POST ${url}: ${(e as Error).message ?? e}`);
  }
  if (!response.ok) {
    throw DeliveryError.fromStatus(response.status, {
      message: `POST ${url}: status ${response.status}: ${await response.text()}`,
      retryAfter: response.headers.get('retry-after'),
    });
  }
  return receipt();
}
