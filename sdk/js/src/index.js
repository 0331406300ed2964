// RoomKit plugin SDK for JavaScript and TypeScript: constructors for what plugins return,
// helpers for the host's imports (config, key-value, log) and the glue that turns thrown errors
// into the WIT `err` values the host expects. Types: index.d.ts; the raw WIT types: ../types/.
//
// A plugin is an ES module exporting its world's functions (`handle` for a hook, `resolve`,
// `route`, `deliver` + `verifySignature` + `parseWebhook`, `info` + `generate`); build.mjs
// bundles it with this module and makes a component with componentize-js. The WIT package is
// roomkit:plugin@0.2.0. Phone numbers: ./phone.js; the normalised SMS metadata: ./sms.js.

import * as host from './host.js';

export { normalizePhone } from './phone.js';
export { sms } from './sms.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A JSON value as the JSON text WIT's `json` fields carry (strings pass unchanged). */
export function json(value) {
  if (value === undefined) return '{}';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

// ---- content -------------------------------------------------------------------------------

/** Text content. */
export function text(body, language) {
  return { tag: 'text', val: language === undefined ? { body } : { body, language } };
}

/** The body of text content (of an event or a content value); undefined for other kinds. */
export function textOf(eventOrContent) {
  const content = eventOrContent && 'content' in eventOrContent ? eventOrContent.content : eventOrContent;
  return content && content.tag === 'text' ? content.val.body : undefined;
}

function partTexts(part, out) {
  const v = part.val;
  switch (part.tag) {
    case 'text': out.push(v.body); break;
    case 'rich': out.push(v.body); if (v.plainText !== undefined) out.push(v.plainText); break;
    case 'media': if (v.caption !== undefined) out.push(v.caption); break;
    case 'location':
      if (v.label !== undefined) out.push(v.label);
      if (v.address !== undefined) out.push(v.address);
      break;
    case 'audio': if (v.transcript !== undefined) out.push(v.transcript); break;
    case 'system': out.push(v.body); break;
    case 'template': if (v.body !== undefined) out.push(v.body); break;
    case 'composite': for (const p of v) partTexts(p, out); break;
    case 'edit': partTexts(v.newContent, out); break;
    default: break; // video, delete, json: no human-readable text
  }
  return out;
}

/**
 * Every piece of human-readable text a content value carries, in order (text and rich bodies,
 * captions, transcripts, location labels, system and template bodies, composite parts, edits).
 */
export function texts(content) {
  return partTexts(content, []);
}

const opt = (value, f) => (value === undefined ? undefined : f(value));

/** The same content with `f` applied to every text that `texts` lists. */
export function mapTexts(content, f) {
  const v = content.val;
  switch (content.tag) {
    case 'text': return { tag: 'text', val: { ...v, body: f(v.body) } };
    case 'rich': return { tag: 'rich', val: { ...v, body: f(v.body), plainText: opt(v.plainText, f) } };
    case 'media': return { tag: 'media', val: { ...v, caption: opt(v.caption, f) } };
    case 'location':
      return { tag: 'location', val: { ...v, label: opt(v.label, f), address: opt(v.address, f) } };
    case 'audio': return { tag: 'audio', val: { ...v, transcript: opt(v.transcript, f) } };
    case 'system': return { tag: 'system', val: { ...v, body: f(v.body) } };
    case 'template': return { tag: 'template', val: { ...v, body: opt(v.body, f) } };
    case 'composite': return { tag: 'composite', val: v.map((p) => mapTexts(p, f)) };
    case 'edit': return { tag: 'edit', val: { ...v, newContent: mapTexts(v.newContent, f) } };
    default: return content;
  }
}

/** The event with other content (for `modify`). */
export function withContent(event, content) {
  return { ...event, content };
}

// ---- hooks ---------------------------------------------------------------------------------

/** A hook's answer; add side effects with `inject`, `task` and `observe`. */
export class HookResult {
  constructor(action) {
    this.action = action;
    this.injectedEvents = [];
    this.tasks = [];
    this.observations = [];
  }
  /** Adds an event to the room, delivered only to its targets. */
  inject(event) {
    this.injectedEvents.push(event);
    return this;
  }
  /** Creates a task. */
  task(task) {
    this.tasks.push(task);
    return this;
  }
  /** Records an observation. */
  observe(observation) {
    this.observations.push(observation);
    return this;
  }
}

/** Let the event through unchanged. */
export const allow = () => new HookResult({ tag: 'allow' });
/** Block the event; the reason is stored with it and shown to operators. */
export const block = (reason) => new HookResult({ tag: 'block', val: String(reason) });
/** Replace the event for the hooks after this one and for delivery. */
export const modify = (event) => new HookResult({ tag: 'modify', val: event });

/** An event for `HookResult.inject`: content (or a string for text), targets, visibility. */
export function injected(content, { to = [], visibility = 'all' } = {}) {
  return {
    content: typeof content === 'string' ? text(content) : content,
    targetChannelIds: [...to],
    visibility,
  };
}

/** A task for `HookResult.task`. */
export function task(title, { description, assignedTo, metadata } = {}) {
  return { title, description, assignedTo, metadata: json(metadata) };
}

/** An observation for `HookResult.observe`; confidence is clamped to 0..1. */
export function observation(category, content, { confidence = 1, metadata } = {}) {
  const c = Number.isNaN(confidence) ? 0 : Math.min(1, Math.max(0, confidence));
  return { content, category, confidence: c, metadata: json(metadata) };
}

// ---- identity resolvers --------------------------------------------------------------------

/** A known person or system. */
export function identity(id, { organizationId, displayName, addresses = [], externalId, metadata } = {}) {
  return { id, organizationId, displayName, addresses, externalId, metadata: json(metadata) };
}
/** The sender is `who`. */
export const identified = (who) => ({ status: 'identified', identity: who, candidates: [] });
/** The sender could be any of `candidates`. */
export const ambiguous = (candidates) => ({ status: 'ambiguous', identity: undefined, candidates });
/** Nobody known. */
export const unknown = () => ({ status: 'unknown', identity: undefined, candidates: [] });
/** Identification is under way (e.g. a challenge was sent). */
export const pending = () => ({ status: 'pending', identity: undefined, candidates: [] });
/** The sender is refused. */
export const rejected = () => ({ status: 'rejected', identity: undefined, candidates: [] });

/**
 * What an identity hook's `handleIdentity` may answer (the WIT `identity-decision`); returning
 * `undefined` leaves the decision to the next identity hook.
 */
export const decision = Object.freeze({
  /** This is who it is. */
  resolved: (who) => ({ tag: 'resolved', val: who }),
  /** Keep the sender pending and let the message go on. */
  pending: () => ({ tag: 'pending' }),
  /** Send `body` (text, or a content value) back to the sender; the message is blocked. */
  challenge: (body) => ({ tag: 'challenge', val: typeof body === 'string' ? text(body) : body }),
  /** Block the message with `reason`. */
  reject: (reason) => ({ tag: 'reject', val: reason }),
});

// ---- inbound routers -----------------------------------------------------------------------

/** Into this existing room. */
export const toRoom = (roomId) => ({ tag: 'room', val: roomId });
/** Into a new room. */
export const newRoom = () => ({ tag: 'new-room' });
/** Let the host's default routing decide. */
export const defaultRoute = () => ({ tag: 'default' });

// ---- providers and AI providers ------------------------------------------------------------

/** Seconds of a `Retry-After` value (a number, or text of digits); undefined for anything else. */
function retryAfterSeconds(value) {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value.trim());
  return undefined;
}

/**
 * A delivery that failed; `retryable` says whether trying again may help. Throw it. `code` is
 * the service's own error code, `retryAfterMs` how long the service asked to wait (the host's
 * retry policy honours it); both may be undefined.
 */
export class DeliveryError extends Error {
  constructor(message, retryable = false, { code, retryAfterMs } = {}) {
    super(message);
    this.name = 'DeliveryError';
    this.retryable = retryable;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
  /** Trying again later may help (timeouts, 5xx). */
  static retryable(message) {
    return new DeliveryError(message, true);
  }
  /** Trying again will not help (bad address, 4xx). */
  static permanent(message) {
    return new DeliveryError(message, false);
  }
  /**
   * The error for an HTTP answer that is not a success: retryable for 408, 429 and 5xx,
   * permanent otherwise. `opts.message` should carry the service's own error text (default
   * `status N`); `opts.retryAfter` is the answer's `Retry-After` (seconds, as text or a number;
   * an HTTP date is ignored), kept as `retryAfterMs`. A string instead of `opts` names what
   * failed: `fromStatus(503, 'notify')` says `notify 503`.
   */
  static fromStatus(status, opts = {}) {
    const { what = 'status', message = `${what} ${status}`, retryAfter } =
      typeof opts === 'string' ? { what: opts } : opts;
    const error = new DeliveryError(message, status === 408 || status === 429 || status >= 500);
    const seconds = retryAfterSeconds(retryAfter);
    if (seconds !== undefined) error.retryAfterMs = seconds * 1000;
    return error;
  }
  /** This error with the service's own error code. */
  withCode(code) {
    this.code = code;
    return this;
  }
  /** This error with how long the service asked to wait, in milliseconds. */
  withRetryAfterMs(ms) {
    this.retryAfterMs = ms;
    return this;
  }
}

/** A provider's receipt. */
export const receipt = (providerMessageId) => ({ providerMessageId });

/**
 * A message arriving on `channelId` from `senderId` with `content` (for `parseWebhook`);
 * `opts` sets the other fields of the WIT `inbound-message` (event type `message`, chain depth
 * 0 and metadata `{}` unless given).
 */
export function inbound(channelId, senderId, content, opts = {}) {
  return {
    channelId,
    senderId,
    content,
    roomId: opts.roomId,
    eventType: opts.eventType ?? 'message',
    idempotencyKey: opts.idempotencyKey,
    visibility: opts.visibility,
    parentEventId: opts.parentEventId,
    addressedTo: opts.addressedTo,
    chainDepth: opts.chainDepth ?? 0,
    correlationId: opts.correlationId,
    provider: opts.provider,
    providerMessageId: opts.providerMessageId,
    metadata: json(opts.metadata),
  };
}

/** A text message arriving on `channelId` from `senderId` (for `parseWebhook`). */
export function inboundText(channelId, senderId, body, opts = {}) {
  return inbound(channelId, senderId, text(body), opts);
}

/** A header's value of a webhook request (names are lower case). */
export function header(request, name) {
  const lower = name.toLowerCase();
  return request.headers.find((h) => h.name === lower)?.value;
}

/** The webhook request's query string (`request.query`, without `?`), decoded. */
export const queryParams = (request) => new URLSearchParams(request.query);

/** The webhook request's body as an `application/x-www-form-urlencoded` form, decoded. */
export const formParams = (request) => new URLSearchParams(decoder.decode(request.body));

/**
 * What `parseWebhook` returns: messages and status updates to store and, optionally, the
 * answer the service expects (`response`; undefined is the host's own, 200 with the results
 * as JSON). `parseWebhook` may also return a plain array of messages.
 */
export function webhookResult({ messages = [], statusUpdates = [], response } = {}) {
  return { messages, statusUpdates, response };
}

/** A webhook result with nothing to store that answers the service with `response`. */
export const webhookReply = (response) => webhookResult({ response });

/** An HTTP answer to the service: `body` is bytes or text (sent as UTF-8). */
export function webhookResponse(status, contentType, body = '') {
  return { status, contentType, body: typeof body === 'string' ? encoder.encode(body) : body };
}

/** An empty `200 OK` without a content type. */
export const emptyResponse = () => ({ status: 200, contentType: undefined, body: new Uint8Array() });

/**
 * News about the delivered message `providerMessageId`: `status` is `queued`, `sent`,
 * `delivered`, `read` or `failed`; `errorCode`/`errorMessage` for a failure, `metadata` the
 * service's raw fields.
 */
export function statusUpdate(providerMessageId, status, { errorCode, errorMessage, metadata } = {}) {
  return { providerMessageId, status, errorCode, errorMessage, metadata: json(metadata) };
}

/** What an AI provider is. */
export const aiInfo = (modelName, supportsVision = false) => ({ modelName, supportsVision });
/** A model's answer. */
export const aiResponse = (content, metadata) => ({ content, metadata: json(metadata) });
/** The text of the last user message of an AI request. */
export function lastUserText(request) {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const m = request.messages[i];
    if (m.role !== 'user') continue;
    const t = m.parts.filter((p) => p.tag === 'text').map((p) => p.val);
    if (t.length) return t.join('\n');
  }
  return undefined;
}

// ---- the host's imports --------------------------------------------------------------------

/**
 * Settings: during a call made for a channel (a provider's `deliver`, `verifySignature`,
 * `parseWebhook`, an AI provider's `generate`) the channel's own `config` table in
 * `roomkit.toml` answers first, then the manifest's `[config]` table.
 */
export const config = {
  /** The value of `key`, or undefined. */
  get: (key) => host.config(key) ?? undefined,
  /** The value of `key`, or `fallback`. */
  getOr: (key, fallback) => host.config(key) ?? fallback,
  /** The value of `key`; throws an error naming the key when it is unset. */
  require(key) {
    const value = host.config(key);
    if (value === undefined || value === null) throw new Error(`config key \`${key}\` is not set`);
    return value;
  },
};

/**
 * A key-value set that stored nothing: `kind` is `over-quota` (the plugin's `[kv]` quota in its
 * manifest would be exceeded) or `store` (the host's store failed), `reason` the host's words.
 */
export class KvError extends Error {
  constructor(key, kind, reason) {
    const what = kind === 'over-quota' ? "over the plugin's key-value quota" : "the host's store failed";
    super(`storing key-value key \`${key}\`: ${what}: ${reason}`);
    this.name = 'KvError';
    this.key = key;
    this.kind = kind;
    this.reason = reason;
  }
}

function kvSet(key, bytes) {
  try {
    host.kvSet(key, bytes);
  } catch (e) {
    // componentize-js throws an import's `err` as an error whose `payload` is the WIT value.
    const payload = e?.payload;
    if (payload && (payload.tag === 'over-quota' || payload.tag === 'store')) {
      throw new KvError(key, payload.tag, String(payload.val));
    }
    throw e;
  }
}

/** The plugin's own key-value space in the host's store. */
export const kv = {
  /** The bytes under `key`, or undefined. */
  get: (key) => host.kvGet(key) ?? undefined,
  /**
   * Stores bytes (or a string, as UTF-8), replacing what was there. Throws a `KvError`,
   * changing nothing, when the quota would be exceeded or the store fails.
   */
  set: (key, value) => kvSet(key, typeof value === 'string' ? encoder.encode(value) : value),
  /** Deletes `key`; says whether it was there. */
  delete: (key) => host.kvDelete(key),
  /** The value under `key` as text, or undefined. */
  getString(key) {
    const v = host.kvGet(key);
    return v === undefined || v === null ? undefined : decoder.decode(v);
  },
  /** Stores text; throws a `KvError` as `set` does. */
  setString: (key, value) => kvSet(key, encoder.encode(value)),
};

/** The host's log; the host tags each line with the plugin's name. */
export const log = {
  trace: (message) => host.log('trace', String(message)),
  debug: (message) => host.log('debug', String(message)),
  info: (message) => host.log('info', String(message)),
  warn: (message) => host.log('warn', String(message)),
  error: (message) => host.log('error', String(message)),
};

// ---- export glue (used by the entry build.mjs generates; not for plugin code) ---------------

const messageOf = (e) => (e instanceof Error ? e.message : String(e));

/** The thrown value componentize-js turns into a WIT `err(payload)`. */
class ErrPayload extends Error {
  constructor(payload) {
    // A delivery-error's retryAfterMs is a BigInt, which JSON cannot write: its message says it.
    super(typeof payload === 'string' ? payload : String(payload.message));
    Object.defineProperty(this, 'payload', { value: payload, enumerable: true });
  }
}

function toStringErr(e) {
  return new ErrPayload(messageOf(e));
}

function toDeliveryErr(e) {
  if (!(e instanceof DeliveryError)) return new ErrPayload({ message: messageOf(e), retryable: false });
  const ms = e.retryAfterMs;
  return new ErrPayload({
    message: e.message,
    retryable: e.retryable,
    code: e.code === undefined || e.code === null ? undefined : String(e.code),
    retryAfterMs: typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? BigInt(Math.round(ms)) : undefined,
  });
}

/** A `parseWebhook` answer as the WIT `webhook-result`: an array is the messages. */
function toWebhookResult(result) {
  if (Array.isArray(result)) return webhookResult({ messages: result });
  if (result === undefined || result === null) return webhookResult();
  return webhookResult(result);
}

function wrap(fn, toErr, toOk = (v) => v) {
  return (...args) => {
    let result;
    try {
      result = fn(...args);
    } catch (e) {
      throw toErr(e);
    }
    if (result && typeof result.then === 'function') {
      return result.then(toOk, (e) => {
        throw toErr(e);
      });
    }
    return toOk(result);
  };
}

/** Wraps a function whose WIT result's error is a string. */
export const __wrapStringErr = (fn) => wrap(fn, toStringErr);
/** Wraps a function whose WIT result's error is a delivery-error. */
export const __wrapDeliveryErr = (fn) => wrap(fn, toDeliveryErr);
/** Wraps `parseWebhook`: its answer becomes a webhook-result, its error a string. */
export const __wrapWebhook = (fn) => wrap(fn, toStringErr, toWebhookResult);
