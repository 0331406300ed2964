// One shape for an SMS or MMS webhook, whichever service sent it (Twilio, Telnyx, Sinch,
// VoiceMeUp), the Rust SDK's `sms` module's: each SMS provider reads its service's payload into
// a meta object and `sms.toInbound` makes the inbound message, whose metadata carries
//
//   {"sms": {"provider": "twilio", "sender": "+14185551234", "recipient": "+15145550000",
//            "body": "hi", "media": [{"url": "https://…", "mime_type": "image/jpeg"}],
//            "provider_message_id": "SM…", "raw": {…}}}
//
// so hooks and clients read one shape.

import { inbound, text } from './index.js';

const OCTET_STREAM = 'application/octet-stream';

const mediaOf = (meta) => (meta.media ?? []).map((m) => ({ url: m.url, mimeType: m.mimeType || OCTET_STREAM }));

/** The content: text, one media item (captioned by the text), or a composite of the text and each item. */
function content(meta) {
  const body = meta.body ?? '';
  const media = mediaOf(meta);
  const item = (m, caption) => ({ url: m.url, mimeType: m.mimeType, filename: undefined, sizeBytes: undefined, caption });
  if (media.length === 0) return text(body);
  if (media.length === 1) return { tag: 'media', val: item(media[0], body === '' ? undefined : body) };
  const parts = body === '' ? [] : [{ tag: 'text', val: { body } }];
  for (const m of media) parts.push({ tag: 'media', val: item(m, undefined) });
  return { tag: 'composite', val: parts };
}

/** The metadata object `{"sms": {…}}` as JSON text (snake_case keys; no id is null, no raw `{}`). */
function metadata(meta) {
  return JSON.stringify({
    sms: {
      provider: meta.provider,
      sender: meta.sender,
      recipient: meta.recipient,
      body: meta.body ?? '',
      media: mediaOf(meta).map((m) => ({ url: m.url, mime_type: m.mimeType })),
      provider_message_id: meta.providerMessageId ?? null,
      raw: meta.raw ?? {},
    },
  });
}

/**
 * The inbound message on `channelId`: the sender, the content, the provider and its message id
 * (also the idempotency key, so a service's retry is a duplicate), and the metadata.
 */
function toInbound(meta, channelId) {
  return inbound(channelId, meta.sender, content(meta), {
    idempotencyKey: meta.providerMessageId,
    provider: meta.provider,
    providerMessageId: meta.providerMessageId,
    metadata: metadata(meta),
  });
}

/**
 * The normalised SMS metadata. A meta is `{ provider, sender, recipient, body, media:
 * [{ url, mimeType }], providerMessageId, raw }` (`mimeType` defaults to
 * `application/octet-stream`, `body` to '').
 */
export const sms = Object.freeze({ content, metadata, toInbound });
