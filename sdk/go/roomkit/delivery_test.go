package roomkit

import (
	"testing"
	"time"
)

func TestFromStatusRetriesTimeoutsThrottlingAndServerErrorsAndReadsRetryAfter(tt *testing.T) {
	cases := []struct {
		status     int
		retryAfter string
		retryable  bool
		wait       time.Duration
	}{
		{400, "", false, 0},
		{401, "", false, 0},
		{404, "", false, 0},
		{408, "", true, 0},
		{429, "30", true, 30 * time.Second},
		{429, " 2 ", true, 2 * time.Second},
		{500, "", true, 0},
		{503, "Wed, 21 Oct 2015 07:28:00 GMT", true, 0},
		{503, "-1", true, 0},
		{503, "soon", true, 0},
	}
	for _, c := range cases {
		got := FromStatus(c.status, c.retryAfter, "service said no")
		want := DeliveryError{Message: "service said no", Retryable: c.retryable, RetryAfter: c.wait}
		if *got != want {
			tt.Errorf("FromStatus(%d, %q) = %+v, want %+v", c.status, c.retryAfter, *got, want)
		}
	}
}

func TestDeliveryErrorsCarryTheServicesCodeAndWait(tt *testing.T) {
	e := Permanent("number unreachable").WithCode("21610")
	if *e != (DeliveryError{Message: "number unreachable", Code: "21610"}) || e.Error() != "number unreachable" {
		tt.Errorf("permanent: %+v", *e)
	}
	r := Retryable("slow down").WithCode("20429").WithRetryAfter(1500 * time.Millisecond)
	if *r != (DeliveryError{Message: "slow down", Retryable: true, Code: "20429", RetryAfter: 1500 * time.Millisecond}) {
		tt.Errorf("retryable: %+v", *r)
	}
	if id := Receipt("SM1").ProviderMessageId; !id.IsSome() || id.Some() != "SM1" {
		tt.Errorf("receipt: %#v", id)
	}
	if Receipt("").ProviderMessageId.IsSome() {
		tt.Error("an empty id is none")
	}
}
