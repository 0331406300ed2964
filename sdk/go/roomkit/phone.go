package roomkit

import (
	"fmt"
	"strings"
)

// nanpRegions are the regions of the North American Numbering Plan (country code 1), as ISO
// 3166 codes: the United States, Canada and the Caribbean and Pacific members.
var nanpRegions = map[string]bool{
	"US": true, "CA": true, "AG": true, "AI": true, "AS": true, "BB": true, "BM": true,
	"BS": true, "DM": true, "DO": true, "GD": true, "GU": true, "JM": true, "KN": true,
	"KY": true, "LC": true, "MP": true, "MS": true, "PR": true, "SX": true, "TC": true,
	"TT": true, "VC": true, "VG": true, "VI": true,
}

// NormalizePhone is number in E.164 form ("+" and digits only): NormalizePhone("418-555-1234",
// "CA") is "+14185551234". region is the ISO 3166 code of the country the number is written
// for (case does not matter); it matters only for a number without "+".
//
// This is a hand-written NANP + E.164 normaliser (no phone number library builds for the Go
// SDK offline): spaces, dots, dashes, slashes and parentheses are dropped; a number with "+"
// (or an international prefix: "011" in NANP regions, "00" elsewhere) keeps its country code;
// a national number is understood only in a NANP region (US, CA and the Caribbean members):
// 10 digits, or 11 starting with 1. NANP numbers (country code 1) must have an area code and
// an exchange that start with 2–9 and are not N11 (911, 411…). Other countries' numbers are
// checked only for E.164's shape: a country code not starting with 0, 8 to 15 digits in all.
// An error says what is wrong with the number.
func NormalizePhone(number, region string) (string, error) {
	digits, plus, err := phoneDigits(number)
	if err != nil {
		return "", err
	}
	region = strings.ToUpper(strings.TrimSpace(region))
	nanp := nanpRegions[region]
	switch {
	case plus:
	case nanp && strings.HasPrefix(digits, "011"):
		digits = digits[3:]
	case !nanp && strings.HasPrefix(digits, "00"):
		digits = digits[2:]
	case nanp:
		if len(digits) == 11 && digits[0] == '1' {
			digits = digits[1:]
		}
		if len(digits) != 10 {
			return "", fmt.Errorf("phone number %q: a national number of %s has 10 digits (or 11 starting with 1), not %d", number, region, len(digits))
		}
		digits = "1" + digits
	case len(region) != 2:
		return "", fmt.Errorf("phone number %q: region %q is not a two-letter country code", number, region)
	default:
		return "", fmt.Errorf("phone number %q: national numbers of %s are not understood (only NANP regions'); write it with + and the country code", number, region)
	}
	if err := checkE164(digits); err != nil {
		return "", fmt.Errorf("phone number %q: %w", number, err)
	}
	return "+" + digits, nil
}

// phoneDigits is number's digits, and whether it starts with "+", with its formatting dropped.
func phoneDigits(number string) (string, bool, error) {
	s := strings.TrimSpace(number)
	if s == "" {
		return "", false, fmt.Errorf("phone number is empty")
	}
	plus := strings.HasPrefix(s, "+")
	if plus {
		s = s[1:]
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/' || r == '\u00a0':
		default:
			return "", false, fmt.Errorf("phone number %q: %q is neither a digit nor formatting", number, r)
		}
	}
	if b.Len() == 0 {
		return "", false, fmt.Errorf("phone number %q has no digits", number)
	}
	return b.String(), plus, nil
}

// checkE164 checks digits (country code first, no "+") against E.164 and, for country code 1,
// the NANP's rules.
func checkE164(digits string) error {
	if digits[0] == '0' {
		return fmt.Errorf("a country code does not start with 0")
	}
	if len(digits) < 8 || len(digits) > 15 {
		return fmt.Errorf("E.164 numbers have 8 to 15 digits with the country code, not %d", len(digits))
	}
	if digits[0] != '1' {
		return nil
	}
	national := digits[1:]
	if len(national) != 10 {
		return fmt.Errorf("a NANP number (+1) has 10 digits after the 1, not %d", len(national))
	}
	for _, part := range []struct{ what, code string }{{"area code", national[:3]}, {"exchange", national[3:6]}} {
		if part.code[0] < '2' {
			return fmt.Errorf("the %s %s does not start with 2-9", part.what, part.code)
		}
		if part.code[1:] == "11" {
			return fmt.Errorf("the %s %s is a service code (N11)", part.what, part.code)
		}
	}
	return nil
}
