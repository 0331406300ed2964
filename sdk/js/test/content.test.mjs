// Content helpers: every human-readable text of every content kind, found and rewritten.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { mapTexts, text, textOf, texts, withContent } from '../src/index.js';

const rich = { tag: 'rich', val: { body: '<b>hi</b>', format: 'html', plainText: 'hi', buttons: [], quickReplies: [] } };
const media = { tag: 'media', val: { url: 'https://x/y.png', mimeType: 'image/png', caption: 'a photo' } };
const location = { tag: 'location', val: { latitude: 1, longitude: 2, label: 'office', address: '1 Main St' } };
const audio = { tag: 'audio', val: { url: 'https://x/a.ogg', mimeType: 'audio/ogg', transcript: 'spoken' } };
const system = { tag: 'system', val: { body: 'joined', data: '{}' } };
const template = { tag: 'template', val: { templateId: 't', language: 'en', parameters: '{}', body: 'Hello' } };
const composite = { tag: 'composite', val: [text('one'), media, { tag: 'json', val: '{}' }, rich] };
const edit = { tag: 'edit', val: { targetEventId: 'e1', newContent: text('fixed') } };
const video = { tag: 'video', val: { url: 'https://x/v.mp4', mimeType: 'video/mp4' } };

test('texts lists every human-readable text, in order', () => {
  assert.deepEqual(texts(text('plain')), ['plain']);
  assert.deepEqual(texts(rich), ['<b>hi</b>', 'hi']);
  assert.deepEqual(texts(media), ['a photo']);
  assert.deepEqual(texts({ tag: 'media', val: { url: 'u', mimeType: 'image/png' } }), []);
  assert.deepEqual(texts(location), ['office', '1 Main St']);
  assert.deepEqual(texts(audio), ['spoken']);
  assert.deepEqual(texts(system), ['joined']);
  assert.deepEqual(texts(template), ['Hello']);
  assert.deepEqual(texts(composite), ['one', 'a photo', '<b>hi</b>', 'hi']);
  assert.deepEqual(texts(edit), ['fixed']);
  assert.deepEqual(texts(video), []);
});

test('mapTexts rewrites exactly the texts that texts lists and keeps everything else', () => {
  const upper = (s) => s.toUpperCase();
  for (const content of [text('plain', 'en'), rich, media, location, audio, system, template, composite, edit, video]) {
    const mapped = mapTexts(content, upper);
    assert.deepEqual(texts(mapped), texts(content).map(upper), content.tag);
    assert.equal(mapped.tag, content.tag);
  }
  assert.deepEqual(mapTexts(text('plain', 'en'), upper), { tag: 'text', val: { body: 'PLAIN', language: 'en' } });
  const mappedMedia = mapTexts(media, upper).val;
  assert.equal(mappedMedia.url, 'https://x/y.png', 'URLs are not text');
  // An absent optional text stays absent.
  assert.equal(mapTexts({ tag: 'media', val: { url: 'u', mimeType: 'm' } }, upper).val.caption, undefined);
  // The input is not changed.
  assert.equal(media.val.caption, 'a photo');
});

test('textOf reads text content of an event or a content value, and nothing else', () => {
  const event = { id: 'e1', content: text('hello') };
  assert.equal(textOf(event), 'hello');
  assert.equal(textOf(text('direct')), 'direct');
  assert.equal(textOf({ id: 'e2', content: media }), undefined);
  assert.equal(textOf(undefined), undefined);
  const changed = withContent(event, text('changed'));
  assert.equal(textOf(changed), 'changed');
  assert.equal(changed.id, 'e1');
  assert.equal(textOf(event), 'hello', 'withContent copies');
});

test('text carries a language only when given one', () => {
  assert.deepEqual(text('hi'), { tag: 'text', val: { body: 'hi' } });
  assert.deepEqual(text('salut', 'fr'), { tag: 'text', val: { body: 'salut', language: 'fr' } });
});
