// Phone numbers in E.164 form, with libphonenumber-js (its `max` metadata: exact validation
// per country). esbuild bundles it into the plugins that call `normalizePhone`; the package has
// no side effects, so plugins that do not call it do not carry it.

import { parsePhoneNumberWithError } from 'libphonenumber-js/max';

/** libphonenumber-js's parse errors, in words. */
const PARSE_ERRORS = {
  NOT_A_NUMBER: 'is not a phone number',
  TOO_SHORT: 'is too short',
  TOO_LONG: 'is too long',
  INVALID_LENGTH: 'has a length no number of its country has',
};

/**
 * `number` in E.164 form (`+` and digits): `normalizePhone('418-555-1234', 'CA')` is
 * `'+14185551234'`. `region` is the ISO 3166 code of the country the number is written for
 * (e.g. `CA`); it matters only for a number without `+` or an international prefix. Throws an
 * Error naming the number and what is wrong with it when it is not a valid number.
 */
export function normalizePhone(number, region) {
  const text = String(number ?? '').trim();
  if (text === '') throw new Error('phone number is empty');
  const country = region ? String(region).trim().toUpperCase() : undefined;
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(text, country);
  } catch (e) {
    let why = PARSE_ERRORS[e?.message] ?? `cannot be read (${e?.message ?? e})`;
    if (e?.message === 'INVALID_COUNTRY') {
      why = country
        ? `has no country code (+…) and the region ${JSON.stringify(country)} is not a country libphonenumber knows`
        : 'has no country code (+…) and no region was given';
    }
    throw new Error(`phone number ${JSON.stringify(text)} ${why}`);
  }
  if (!parsed.isValid()) {
    const where = parsed.country ?? country;
    throw new Error(`phone number ${JSON.stringify(text)} is not a valid number${where ? ` of ${where}` : ''}`);
  }
  return parsed.number;
}
