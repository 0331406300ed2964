// normalizePhone: E.164 with libphonenumber-js, and an error naming the number otherwise.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { normalizePhone } from '../src/index.js';

test('normalizePhone gives E.164', () => {
  const cases = [
    ['418-555-1234', 'CA', '+14185551234'],
    ['(418) 555-1234', 'ca', '+14185551234'],
    ['418.555.1234', 'US', '+14185551234'],
    ['1 418 555 1234', 'CA', '+14185551234'],
    ['+1 418-555-1234', 'FR', '+14185551234'],
    ['011 33 6 12 34 56 78', 'US', '+33612345678'],
    ['+33 6 12 34 56 78', undefined, '+33612345678'],
    ['06 12 34 56 78', 'FR', '+33612345678'],
    ['0033 6 12 34 56 78', 'FR', '+33612345678'],
    ['020 7946 0958', 'GB', '+442079460958'],
    [' 2125550100 ', 'PR', '+12125550100'],
  ];
  for (const [number, region, want] of cases) {
    assert.equal(normalizePhone(number, region), want, `${number} (${region})`);
  }
});

test('normalizePhone says what is wrong with the number', () => {
  const cases = [
    ['', 'CA', 'phone number is empty'],
    ['   ', 'CA', 'phone number is empty'],
    ['hello', 'CA', 'phone number "hello" is not a phone number'],
    ['555-1234', 'CA', 'phone number "555-1234" is not a valid number of CA'],
    ['118-555-1234', 'CA', 'phone number "118-555-1234" is not a valid number of CA'],
    ['911-555-1234', 'US', 'phone number "911-555-1234" is not a valid number of US'],
    ['418-155-1234', 'CA', 'phone number "418-155-1234" is not a valid number of CA'],
    ['+33 612', 'FR', 'phone number "+33 612" is not a valid number of FR'],
    ['418-555-1234', 'XX', 'phone number "418-555-1234" has no country code (+…) and the region "XX" is not a country libphonenumber knows'],
    ['418-555-1234', undefined, 'phone number "418-555-1234" has no country code (+…) and no region was given'],
  ];
  for (const [number, region, message] of cases) {
    assert.throws(() => normalizePhone(number, region), { message }, `${number} (${region})`);
  }
});
