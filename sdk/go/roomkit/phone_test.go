package roomkit

import "testing"

func TestNormalizePhoneGivesE164(tt *testing.T) {
	cases := []struct{ number, region, want string }{
		{"418-555-1234", "CA", "+14185551234"},
		{"(418) 555-1234", "ca", "+14185551234"},
		{"418.555.1234", "US", "+14185551234"},
		{"1 418 555 1234", "CA", "+14185551234"},
		{"+1 418-555-1234", "FR", "+14185551234"},
		{"011 33 6 12 34 56 78", "US", "+33612345678"},
		{"+33 6 12 34 56 78", "", "+33612345678"},
		{"0033 6 12 34 56 78", "FR", "+33612345678"},
		{"+44 20 7946 0958", "GB", "+442079460958"},
		{" 2125550100 ", "PR", "+12125550100"},
	}
	for _, c := range cases {
		got, err := NormalizePhone(c.number, c.region)
		if err != nil || got != c.want {
			tt.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", c.number, c.region, got, err, c.want)
		}
	}
}

func TestNormalizePhoneSaysWhatIsWrong(tt *testing.T) {
	cases := []struct{ number, region, want string }{
		{"", "CA", "phone number is empty"},
		{"  ", "CA", "phone number is empty"},
		{"+", "CA", `phone number "+" has no digits`},
		{"418-555-CALL", "CA", `phone number "418-555-CALL": 'C' is neither a digit nor formatting`},
		{"555-1234", "CA", `phone number "555-1234": a national number of CA has 10 digits (or 11 starting with 1), not 7`},
		{"2418-555-1234", "US", `phone number "2418-555-1234": a national number of US has 10 digits (or 11 starting with 1), not 11`},
		{"118-555-1234", "CA", `phone number "118-555-1234": the area code 118 does not start with 2-9`},
		{"911-555-1234", "US", `phone number "911-555-1234": the area code 911 is a service code (N11)`},
		{"418-155-1234", "CA", `phone number "418-155-1234": the exchange 155 does not start with 2-9`},
		{"418-411-1234", "CA", `phone number "418-411-1234": the exchange 411 is a service code (N11)`},
		{"+1 418 555 123", "CA", `phone number "+1 418 555 123": a NANP number (+1) has 10 digits after the 1, not 9`},
		{"+0 418 555 1234", "CA", `phone number "+0 418 555 1234": a country code does not start with 0`},
		{"+33 612", "FR", `phone number "+33 612": E.164 numbers have 8 to 15 digits with the country code, not 5`},
		{"+33 6 12 34 56 78 90 12 34", "FR", `phone number "+33 6 12 34 56 78 90 12 34": E.164 numbers have 8 to 15 digits with the country code, not 17`},
		{"06 12 34 56 78", "FR", `phone number "06 12 34 56 78": national numbers of FR are not understood (only NANP regions'); write it with + and the country code`},
		{"418-555-1234", "Canada", `phone number "418-555-1234": region "CANADA" is not a two-letter country code`},
		{"418-555-1234", "", `phone number "418-555-1234": region "" is not a two-letter country code`},
	}
	for _, c := range cases {
		got, err := NormalizePhone(c.number, c.region)
		if err == nil || err.Error() != c.want {
			tt.Errorf("NormalizePhone(%q, %q) = %q, %v; want the error %q", c.number, c.region, got, err, c.want)
		}
	}
}
